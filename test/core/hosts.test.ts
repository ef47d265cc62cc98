// The host registry: add, update, remove with clear refusals that lose nothing, jump hosts, and
// secrets that never reach the registry file (nor the encrypted secrets file in plain text).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { HostRegistry } from '../../electron/core/hosts/hostRegistry';
import { HostRegistryError } from '../../electron/core/hosts/hostRegistryError';
import { registryFormat } from '../../electron/core/hosts/registryDocument';
import { EncryptedSecretStore, secretsFormat } from '../../electron/core/secrets/encryptedSecretStore';
import { MemorySecretStore } from '../../electron/core/secrets/memorySecretStore';
import { openJsonFileStore } from '../../electron/core/store/jsonFileStore';
import { processLocalCipher } from './support/processLocalCipher';

const scratch = await mkdtemp(join(tmpdir(), 'vfleet-hosts-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

let directory: string;
let registryFile: string;
let secrets: MemorySecretStore;
let registry: HostRegistry;
beforeEach(async () => {
  directory = await mkdtemp(join(scratch, 'case-'));
  registryFile = join(directory, 'hosts.json');
  secrets = new MemorySecretStore();
  registry = await HostRegistry.openFile(registryFile, secrets);
});

async function refusal(action: Promise<unknown>): Promise<HostRegistryError> {
  const error = await action.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(HostRegistryError);
  return error as HostRegistryError;
}

describe('host registry', () => {
  it('adds a host with defaults, persists it and finds it by name and by address', async () => {
    await registry.add({ name: 'alpha', address: '10.213.4.2', tags: ['web', 'web', 'eu'] });
    const reopened = await HostRegistry.openFile(registryFile, secrets);
    expect(reopened.require('alpha')).toEqual({
      name: 'alpha',
      address: '10.213.4.2',
      port: 22,
      user: 'root',
      auth: { kind: 'agent' },
      tags: ['web', 'eu'],
      sudo: false,
      trust: { state: 'new' },
    });
    expect(reopened.findByAddress('10.213.4.2', 22).map((host) => host.name)).toEqual(['alpha']);
    expect(reopened.findByAddress('10.213.4.2', 2222)).toEqual([]);
  });

  it('runs the agent through sudo for a user other than root unless told otherwise', async () => {
    expect((await registry.add({ name: 'ops', address: '10.213.4.3', user: 'admin' })).sudo).toBe(true);
    expect((await registry.add({ name: 'ops-direct', address: '10.213.4.4', user: 'admin', sudo: false })).sudo).toBe(false);
    expect((await registry.add({ name: 'ops-root', address: '10.213.4.5' })).sudo).toBe(false);
  });

  it('refuses a second host of the same name and keeps the first', async () => {
    await registry.add({ name: 'alpha', address: '10.0.0.1' });
    const error = await refusal(registry.add({ name: 'alpha', address: '10.0.0.2' }));
    expect(error.kind).toBe('duplicate');
    expect(error.message).toContain('alpha');
    expect(JSON.parse(await readFile(registryFile, 'utf8')).hosts).toHaveLength(1);
    expect(registry.require('alpha').address).toBe('10.0.0.1');
  });

  it('explains invalid input field by field and writes nothing', async () => {
    await registry.add({ name: 'alpha', address: '10.0.0.1' });
    const before = await readFile(registryFile, 'utf8');
    const error = await refusal(
      registry.add({ name: 'beta', address: 'not an address!', port: 70000, auth: { kind: 'keyFile', keyPath: 'id_rsa', hasPassphrase: false } }),
    );
    expect(error.kind).toBe('invalid');
    expect(error.message).toMatch(/Host beta was not saved/);
    expect(error.message).toMatch(/address: the address is neither a DNS name nor an IPv4\/IPv6 address/);
    expect(error.message).toMatch(/port: the port is between 1 and 65535/);
    expect(error.message).toMatch(/auth.keyPath: the key file path is absolute/);
    expect(await readFile(registryFile, 'utf8')).toBe(before);
  });

  it('updates fields, keeps the rest, and refuses an unknown host', async () => {
    await registry.add({ name: 'alpha', address: '10.0.0.1', user: 'admin', tags: ['a'] });
    const updated = await registry.update('alpha', { port: 2222, sudo: true, tags: ['b', 'b'] });
    expect(updated).toMatchObject({ address: '10.0.0.1', user: 'admin', port: 2222, sudo: true, tags: ['b'] });
    expect((await refusal(registry.update('ghost', { port: 22 }))).kind).toBe('notFound');
    const invalid = await refusal(registry.update('alpha', { user: 'bad user' }));
    expect(invalid.message).toMatch(/user: the user name is not a valid login name/);
    expect(registry.require('alpha').user).toBe('admin');
  });

  it('follows jump hosts, refuses loops, and keeps a jump host that others use', async () => {
    await registry.add({ name: 'bastion', address: '10.0.0.1' });
    await registry.add({ name: 'inner', address: '192.168.1.5', jump: 'bastion' });
    await registry.add({ name: 'deep', address: '192.168.2.5', jump: 'inner' });
    await registry.add({ name: 'outside', address: '192.168.3.5', jump: 'ops@gw.example.org:2200' });
    expect(registry.jumpRoute('deep').map((hop) => (hop.kind === 'registry' ? hop.host.name : hop.address))).toEqual(['bastion', 'inner']);
    expect(registry.jumpRoute('outside')).toEqual([{ kind: 'address', user: 'ops', address: 'gw.example.org', port: 2200 }]);

    const loop = await refusal(registry.update('bastion', { jump: 'deep' }));
    expect(loop.message).toMatch(/the jump hosts of bastion form a loop/);
    expect(registry.require('bastion').jump).toBeUndefined();
    expect((await refusal(registry.add({ name: 'self', address: '10.0.0.9', jump: 'self' }))).message).toMatch(/its own jump host/);
    expect((await refusal(registry.add({ name: 'odd', address: '10.0.0.9', jump: 'root@bad host' }))).kind).toBe('invalid');

    const inUse = await refusal(registry.remove('bastion'));
    expect(inUse.kind).toBe('inUse');
    expect(inUse.message).toBe('Host bastion is the jump host of inner; change their jump host first.');
    await registry.update('inner', { jump: null });
    expect(registry.require('inner').jump).toBeUndefined();
    await registry.remove('bastion');
    expect(registry.get('bastion')).toBeUndefined();
  });

  it('never writes a password or passphrase into the registry file', async () => {
    const password = 'Pw-only-in-memory-4711';
    const passphrase = 'passphrase-never-on-disk-0815';
    await registry.add({ name: 'pw', address: '10.0.0.1', auth: { kind: 'password' }, password });
    await registry.add({ name: 'key', address: '10.0.0.2', auth: { kind: 'keyFile', keyPath: '/root/.ssh/id_ed25519', hasPassphrase: false }, passphrase });
    expect(registry.require('key').auth).toEqual({ kind: 'keyFile', keyPath: '/root/.ssh/id_ed25519', hasPassphrase: true });
    const onDisk = await readFile(registryFile, 'utf8');
    expect(onDisk).not.toContain(password);
    expect(onDisk).not.toContain(passphrase);
    expect(onDisk).not.toContain('"password":');
    expect(await registry.secret('pw', 'password')).toBe(password);
    expect(await registry.secret('key', 'passphrase')).toBe(passphrase);

    const mismatch = await refusal(registry.add({ name: 'agent', address: '10.0.0.3', password }));
    expect(mismatch.message).toMatch(/a password was given, but its login is "agent"/);
    expect(await registry.secret('agent', 'password')).toBeUndefined();

    await registry.update('pw', { auth: { kind: 'agent' } });
    expect(await registry.secret('pw', 'password')).toBeUndefined();
    await registry.remove('key');
    expect(await registry.secret('key', 'passphrase')).toBeUndefined();
  });

  it('keeps persistent secrets only as ciphertext', async () => {
    const password = 'Correct-Horse-Battery-Staple';
    const secretsFile = join(directory, 'secrets.json');
    const encrypted = new EncryptedSecretStore(processLocalCipher(), await openJsonFileStore(secretsFile, secretsFormat));
    const persistent = new HostRegistry(await openJsonFileStore(join(directory, 'hosts2.json'), registryFormat), encrypted);
    await persistent.add({ name: 'pw', address: '10.0.0.1', auth: { kind: 'password' }, password });
    const secretsText = await readFile(secretsFile, 'utf8');
    expect(secretsText).not.toContain(password);
    expect(secretsText).not.toContain(Buffer.from(password).toString('base64'));
    expect(Object.keys(JSON.parse(secretsText).secrets)).toEqual(['pw/password']);
    expect(await persistent.secret('pw', 'password')).toBe(password);
    expect(await readFile(join(directory, 'hosts2.json'), 'utf8')).not.toContain(password);
    await persistent.remove('pw');
    expect(JSON.parse(await readFile(secretsFile, 'utf8')).secrets).toEqual({});
  });
});
