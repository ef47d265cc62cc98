// Host keys: known_hosts read the way OpenSSH reads it (real keys from ssh-keygen, hashed entries
// from `ssh-keygen -H`), the trusted / unknown / changed / revoked decisions, and a real ssh2
// connection to a throwaway sshd: unknown key -> refused and pending, approved -> connects,
// regenerated key -> blocked before any login attempt.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostRegistry } from '../../electron/core/hosts/hostRegistry';
import { MemorySecretStore } from '../../electron/core/secrets/memorySecretStore';
import { decideHostKey } from '../../electron/core/ssh/hostKeyDecision';
import { hostKeyOf } from '../../electron/core/ssh/hostKeyFingerprint';
import { HostKeyVerifier, type SyncHostVerifier } from '../../electron/core/ssh/hostKeyVerifier';
import { entryMatchesHost, parseKnownHosts } from '../../electron/core/ssh/knownHosts';
import type { HostKey } from '../../shared/api/hosts';

const run = promisify(execFile);
const scratch = await mkdtemp(join(tmpdir(), 'vfleet-hostkeys-'));
let sshd: ChildProcess | undefined;
afterAll(async () => {
  await stopSshd();
  await rm(scratch, { recursive: true, force: true });
});

interface GeneratedKey {
  privatePath: string;
  /** The "type base64" part of the .pub file. */
  publicLine: string;
  key: HostKey;
  /** The fingerprint ssh-keygen -l prints for it. */
  sshKeygenFingerprint: string;
}

async function generateKey(name: string, type: 'ed25519' | 'ecdsa' | 'rsa'): Promise<GeneratedKey> {
  const privatePath = join(scratch, name);
  await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', privatePath]);
  const [keyType = '', keyBase64 = ''] = (await readFile(`${privatePath}.pub`, 'utf8')).trim().split(/\s+/);
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${privatePath}.pub`]);
  return {
    privatePath,
    publicLine: `${keyType} ${keyBase64}`,
    key: hostKeyOf(Buffer.from(keyBase64, 'base64')),
    sshKeygenFingerprint: stdout.split(/\s+/)[1] ?? '',
  };
}

let hostA: GeneratedKey;
let hostB: GeneratedKey;
let hostEcdsa: GeneratedKey;
let hostRsa: GeneratedKey;
let clientKey: GeneratedKey;
beforeAll(async () => {
  [hostA, hostB, hostEcdsa, hostRsa, clientKey] = await Promise.all([
    generateKey('host_a', 'ed25519'),
    generateKey('host_b', 'ed25519'),
    generateKey('host_ecdsa', 'ecdsa'),
    generateKey('host_rsa', 'rsa'),
    generateKey('client', 'ed25519'),
  ]);
});

describe('fingerprints and known_hosts', () => {
  it('computes the same SHA256 fingerprint and key type as ssh-keygen for ed25519, ECDSA and RSA keys', () => {
    for (const generated of [hostA, hostEcdsa, hostRsa]) {
      expect(generated.key.fingerprint).toBe(generated.sshKeygenFingerprint);
      expect(generated.publicLine.startsWith(`${generated.key.type} `)).toBe(true);
    }
    expect(hostRsa.key.type).toBe('ssh-rsa');
    expect(hostEcdsa.key.type).toBe('ecdsa-sha2-nistp256');
  });

  it('matches plain, [host]:port, comma-listed, wildcard and negated names, and hashed entries made by ssh-keygen -H', async () => {
    const file = join(scratch, 'known_hosts_names');
    await writeFile(
      file,
      [
        '# a comment',
        `plain.example.org ${hostA.publicLine}`,
        `[ported.example.org]:2222 ${hostA.publicLine}`,
        `first.example.org,10.9.8.7 ${hostA.publicLine}`,
        `*.lab.example.org,!secret.lab.example.org ${hostA.publicLine}`,
        `hashed.example.org ${hostA.publicLine}`,
        `[hashed.example.org]:2200 ${hostA.publicLine}`,
        'garbage line',
        '',
      ].join('\n'),
    );
    const matches = (text: string, address: string, port: number): boolean[] =>
      parseKnownHosts(text).map((entry) => entryMatchesHost(entry, address, port));
    const plainText = await readFile(file, 'utf8');
    expect(parseKnownHosts(plainText)).toHaveLength(6);
    expect(matches(plainText, 'plain.example.org', 22)).toEqual([true, false, false, false, false, false]);
    expect(matches(plainText, 'ported.example.org', 2222)).toEqual([false, true, false, false, false, false]);
    expect(matches(plainText, 'ported.example.org', 22)).toEqual([false, false, false, false, false, false]);
    expect(matches(plainText, '10.9.8.7', 22)).toEqual([false, false, true, false, false, false]);
    expect(matches(plainText, 'web1.lab.example.org', 22)).toEqual([false, false, false, true, false, false]);
    expect(matches(plainText, 'secret.lab.example.org', 22)).toEqual([false, false, false, false, false, false]);

    // ssh-keygen -H refuses files with wildcard patterns: hash the concrete names only.
    const hashable = join(scratch, 'known_hosts_hashed');
    await writeFile(hashable, plainText.split('\n').filter((line) => /^[[a-z0-9]/.test(line) && !line.includes('*') && line !== 'garbage line').join('\n'));
    await run('ssh-keygen', ['-H', '-f', hashable]);
    const hashedText = await readFile(hashable, 'utf8');
    expect(hashedText).not.toContain('hashed.example.org');
    expect(hashedText).toMatch(/^\|1\|/m);
    const hashed = parseKnownHosts(hashedText);
    const hashedMatches = (address: string, port: number): number =>
      hashed.filter((entry) => entryMatchesHost(entry, address, port)).length;
    expect(hashedMatches('hashed.example.org', 22)).toBe(1);
    // ssh lowercases a name before hashing it, so a registry address in capitals still matches.
    expect(hashedMatches('Hashed.Example.ORG', 22)).toBe(1);
    expect(hashedMatches('HASHED.example.org', 2200)).toBe(1);
    expect(hashedMatches('hashed.example.org', 2200)).toBe(1);
    expect(hashedMatches('hashed.example.org', 2201)).toBe(0);
    expect(hashedMatches('ported.example.org', 2222)).toBe(1);
    expect(hashedMatches('10.9.8.7', 22)).toBe(1);
    expect(hashedMatches('other.example.org', 22)).toBe(0);
  });

  it('decides trusted, unknown, changed and revoked, with the registry overriding known_hosts', async () => {
    const knownHosts = parseKnownHosts(
      [
        `|1|${Buffer.from('salt-for-alpha!!').toString('base64')}|${await hashedName('alpha.example.org', 'salt-for-alpha!!')} ${hostA.publicLine}`,
        `beta.example.org ${hostEcdsa.publicLine}`,
        `@revoked gamma.example.org ${hostB.publicLine}`,
        `@cert-authority *.example.org ${hostB.publicLine}`,
      ].join('\n'),
      '/home/admin/.ssh/known_hosts',
    );
    const ask = (address: string, offered: HostKey, accepted?: HostKey) => decideHostKey({ offered, accepted, knownHosts, address, port: 22 });

    expect(ask('alpha.example.org', hostA.key)).toEqual({ decision: 'trusted', source: 'known_hosts', where: '/home/admin/.ssh/known_hosts:1' });
    expect(ask('alpha.example.org', hostB.key)).toEqual({
      decision: 'changed',
      previousFingerprint: hostA.sshKeygenFingerprint,
      where: '/home/admin/.ssh/known_hosts:1',
    });
    // Only an ECDSA key is known for beta: an ed25519 key instead is a changed key, never a plain approval.
    expect(ask('beta.example.org', hostA.key)).toEqual({
      decision: 'changed',
      previousFingerprint: hostEcdsa.sshKeygenFingerprint,
      where: '/home/admin/.ssh/known_hosts:2',
    });
    expect(ask('gamma.example.org', hostB.key)).toEqual({ decision: 'revoked', where: '/home/admin/.ssh/known_hosts:3' });
    expect(ask('gamma.example.org', hostB.key, hostB.key).decision).toBe('revoked');
    // A @cert-authority line is no host key: the host stays unknown.
    expect(ask('delta.example.org', hostB.key)).toEqual({ decision: 'unknown' });
    expect(ask('delta.example.org', hostB.key, hostB.key)).toEqual({ decision: 'trusted', source: 'registry', where: 'the vfleet host registry' });
    expect(ask('alpha.example.org', hostA.key, hostB.key)).toEqual({
      decision: 'changed',
      previousFingerprint: hostB.key.fingerprint,
      where: 'the vfleet host registry',
    });
  });
});

async function hashedName(name: string, salt: string): Promise<string> {
  const { createHmac } = await import('node:crypto');
  return createHmac('sha1', Buffer.from(salt)).update(name).digest('base64');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  await new Promise((closed) => server.close(closed));
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}

const sshdLog = join(scratch, 'sshd.log');
let sshdPort = 0;

async function startSshd(hostKey: GeneratedKey): Promise<void> {
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const config = join(scratch, 'sshd_config');
  await writeFile(join(scratch, 'authorized_keys'), `${clientKey.publicLine}\n`);
  await writeFile(
    config,
    [
      `ListenAddress 127.0.0.1:${sshdPort}`,
      `HostKey ${hostKey.privatePath}`,
      `AuthorizedKeysFile ${join(scratch, 'authorized_keys')}`,
      `PidFile ${join(scratch, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel DEBUG1',
      '',
    ].join('\n'),
  );
  // sshd appends to its log: only what this start wrote counts.
  const logBefore = (await readFile(sshdLog, 'utf8').catch(() => '')).length;
  sshd = spawn('/usr/sbin/sshd', ['-D', '-f', config, '-E', sshdLog], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 100; attempt++) {
    const written = (await readFile(sshdLog, 'utf8').catch(() => '')).slice(logBefore);
    if (written.includes(`Server listening on 127.0.0.1 port ${sshdPort}`)) return;
    if (sshd.exitCode !== null) break;
    await new Promise((wait) => setTimeout(wait, 50));
  }
  throw new Error(`sshd did not start: ${await readFile(sshdLog, 'utf8').catch(() => 'no log')}`);
}

async function stopSshd(): Promise<void> {
  const running = sshd;
  sshd = undefined;
  if (!running || running.exitCode !== null) return;
  const exited = new Promise((done) => running.once('exit', done));
  running.kill('SIGTERM');
  await exited;
}

type Verifier = SyncHostVerifier | ((keyBlob: Buffer, verify: (valid: boolean) => void) => void);

/** Connects with the given verifier; resolves 'ready' or the error ssh2 reported. */
function connect(hostVerifier: Verifier): Promise<'ready' | Error> {
  return new Promise((settle) => {
    const client = new Client();
    client.once('ready', () => {
      client.end();
      settle('ready');
    });
    client.once('error', (error) => settle(error));
    client.connect({
      host: '127.0.0.1',
      port: sshdPort,
      username: 'root',
      privateKey: clientKeyText,
      hostVerifier,
      readyTimeout: 20_000,
    });
  });
}

let clientKeyText: Buffer;

async function loginAttempts(): Promise<number> {
  return ((await readFile(sshdLog, 'utf8')).match(/userauth-request for user/g) ?? []).length;
}

describe('jump hosts outside the registry', () => {
  it('are vouched for by known_hosts only, and refused with the reason otherwise', async () => {
    const file = join(scratch, 'known_hosts_jump');
    await writeFile(file, `[gw.example.org]:2200 ${hostA.publicLine}\n@revoked old-gw.example.org ${hostB.publicLine}\n`);
    const verifier = new HostKeyVerifier(await HostRegistry.openFile(join(scratch, 'jump', 'hosts.json'), new MemorySecretStore()), [file]);
    const blobOf = (key: GeneratedKey) => Buffer.from(key.key.keyBase64, 'base64');
    expect(await verifier.verifyAddress('gw.example.org', 2200, blobOf(hostA))).toMatchObject({ accepted: true });
    expect(await verifier.verifyAddress('gw.example.org', 2200, blobOf(hostB))).toMatchObject({
      accepted: false,
      state: 'blocked',
      message: `Jump host gw.example.org:2200 offered the key ${hostB.key.fingerprint}, which ${file}:1 contradicts (it has ${hostA.key.fingerprint}); vfleet will not connect through it.`,
    });
    expect(await verifier.verifyAddress('old-gw.example.org', 22, blobOf(hostB))).toMatchObject({ accepted: false, state: 'blocked' });
    expect(await verifier.verifyAddress('new-gw.example.org', 22, blobOf(hostB))).toMatchObject({ accepted: false, state: 'pendingApproval' });
  });
});

describe('a host known_hosts knows by another key type, under a hashed name', () => {
  it('is blocked as a changed key, and its hashed entry matches whatever the case of the address', async () => {
    const file = join(scratch, 'known_hosts_other_type');
    await writeFile(file, `beta.example.org ${hostEcdsa.publicLine}\n`);
    await run('ssh-keygen', ['-H', '-f', file]);
    const registry = await HostRegistry.openFile(join(scratch, 'other-type', 'hosts.json'), new MemorySecretStore());
    await registry.add({ name: 'beta', address: 'Beta.Example.ORG' });
    const verifier = new HostKeyVerifier(registry, [file]);
    const swapped = await verifier.verify({ name: 'beta' }, Buffer.from(hostA.key.keyBase64, 'base64'));
    expect(swapped).toMatchObject({ accepted: false, state: 'blocked' });
    expect(swapped.accepted ? '' : swapped.message).toContain(`has CHANGED: ${file}:1 has ${hostEcdsa.key.fingerprint}, the host now offers ${hostA.key.fingerprint}`);
    expect(registry.require('beta').trust.state).toBe('blocked');
    expect(await verifier.verify({ name: 'beta' }, Buffer.from(hostEcdsa.key.keyBase64, 'base64'))).toMatchObject({ accepted: true });
  });
});

describe('approval from another process', () => {
  it('is honoured by a verifier whose registry was loaded before the approval', async () => {
    const file = join(scratch, 'shared-registry', 'hosts.json');
    const desktop = await HostRegistry.openFile(file, new MemorySecretStore());
    await desktop.add({ name: 'shared', address: '192.0.2.44' });
    const verifier = new HostKeyVerifier(desktop, []);
    const blob = Buffer.from(hostA.key.keyBase64, 'base64');
    expect(await verifier.verify({ name: 'shared' }, blob)).toMatchObject({ accepted: false, state: 'pendingApproval' });

    const cli = await HostRegistry.openFile(file, new MemorySecretStore());
    await cli.approveHostKey('shared', hostA.key.fingerprint);
    expect(desktop.require('shared').trust.state).toBe('pending');
    expect(await verifier.verify({ name: 'shared' }, blob)).toMatchObject({ accepted: true, decision: { source: 'registry' } });
    expect(desktop.require('shared').trust.state).toBe('trusted');
  });
});

describe('host key verifier against a real sshd', () => {
  let registry: HostRegistry;
  let verifier: HostKeyVerifier;
  const knownHostsFile = join(scratch, 'known_hosts_user');
  beforeAll(async () => {
    sshdPort = await freePort();
    clientKeyText = await readFile(clientKey.privatePath);
    await startSshd(hostA);
    registry = await HostRegistry.openFile(join(scratch, 'registry', 'hosts.json'), new MemorySecretStore());
    await registry.add({ name: 'local', address: '127.0.0.1', port: sshdPort });
    await writeFile(knownHostsFile, '');
    verifier = new HostKeyVerifier(registry, [knownHostsFile]);
  });

  const verifyAsync = (keyBlob: Buffer, verify: (valid: boolean) => void): void => {
    verifier.verify({ name: 'local' }, keyBlob).then((check) => verify(check.accepted));
  };

  it('refuses an unknown host key and records the host as pending with the offered fingerprint', async () => {
    const result = await connect(verifyAsync);
    expect(result).toBeInstanceOf(Error);
    const host = registry.require('local');
    expect(host.trust.state).toBe('pending');
    expect(host.trust.offered).toMatchObject({ type: 'ssh-ed25519', fingerprint: hostA.sshKeygenFingerprint, keyBase64: hostA.key.keyBase64 });
    expect(host.trust.accepted).toBeUndefined();
  });

  it('connects once the admin approves the fingerprint, and not when another fingerprint is named', async () => {
    await expect(registry.approveHostKey('local', hostB.key.fingerprint)).rejects.toThrow(
      `Host local offered the key ${hostA.key.fingerprint}, not ${hostB.key.fingerprint}; nothing was approved.`,
    );
    await registry.approveHostKey('local', hostA.sshKeygenFingerprint);
    expect(registry.require('local').trust).toMatchObject({ state: 'trusted', accepted: { fingerprint: hostA.key.fingerprint, source: 'approved' } });
    const syncVerifier = await verifier.syncHostVerifier('local');
    expect(await connect(syncVerifier)).toBe('ready');
    expect(await syncVerifier.settled()).toMatchObject({ accepted: true, fingerprint: hostA.key.fingerprint });
  });

  it('blocks a host whose key was regenerated, warns with both fingerprints, and never tries to log in', async () => {
    await stopSshd();
    await startSshd(hostB);
    const attemptsBefore = await loginAttempts();
    expect(attemptsBefore).toBeGreaterThan(0);

    const syncVerifier = await verifier.syncHostVerifier('local');
    const result = await connect(syncVerifier);
    expect(result).toBeInstanceOf(Error);
    const check = await syncVerifier.settled();
    expect(check).toMatchObject({ accepted: false, state: 'blocked', fingerprint: hostB.key.fingerprint });
    const host = registry.require('local');
    expect(host.trust.state).toBe('blocked');
    expect(host.trust.accepted?.fingerprint).toBe(hostA.key.fingerprint);
    expect(host.trust.warning).toContain(hostA.key.fingerprint);
    expect(host.trust.warning).toContain(hostB.key.fingerprint);
    expect(host.trust.warning).toMatch(/has CHANGED/);

    // Still blocked on the next attempt: nothing but an explicit approval lets it through.
    expect(await connect(verifyAsync)).toBeInstanceOf(Error);
    expect(registry.require('local').trust.state).toBe('blocked');
    expect(await loginAttempts()).toBe(attemptsBefore);

    await registry.approveHostKey('local', hostB.key.fingerprint);
    expect(await connect(verifyAsync)).toBe('ready');
    expect(await loginAttempts()).toBeGreaterThan(attemptsBefore);
  });

  it('trusts a host found in the user known_hosts (hashed, [host]:port) and remembers where the key came from', async () => {
    await registry.add({ name: 'known', address: '127.0.0.1', port: sshdPort });
    await writeFile(knownHostsFile, `[127.0.0.1]:${sshdPort} ${hostB.publicLine}\n`);
    await run('ssh-keygen', ['-H', '-f', knownHostsFile]);
    expect(await readFile(knownHostsFile, 'utf8')).not.toContain('127.0.0.1');
    const knownVerifier = new HostKeyVerifier(registry, [knownHostsFile]);
    const check = await connect((keyBlob, verify) => {
      knownVerifier.verify({ name: 'known' }, keyBlob).then((outcome) => verify(outcome.accepted));
    });
    expect(check).toBe('ready');
    expect(registry.require('known').trust).toMatchObject({ state: 'trusted', accepted: { fingerprint: hostB.key.fingerprint, source: 'known_hosts' } });
  });
});
