// The lab's real ssh_config imported into the registry, then a real ssh2 connection to the
// imported host through the host key verifier: unknown without known_hosts, trusted with the
// lab's known_hosts, and the command runs on the lab host.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../shared/api/hosts';
import { HostRegistry } from '../../electron/core/hosts/hostRegistry';
import { applyImport, previewSshConfigImport } from '../../electron/core/import/hostImport';
import { MemorySecretStore } from '../../electron/core/secrets/memorySecretStore';
import { sha256Fingerprint } from '../../electron/core/ssh/hostKeyFingerprint';
import { HostKeyVerifier } from '../../electron/core/ssh/hostKeyVerifier';
import { labDown, labUp, type Lab } from '../lab/lab';

const labName = 'hoststest';
const scratch = await mkdtemp(join(tmpdir(), 'vfleet-importlab-'));
let lab: Lab;

beforeAll(async () => {
  await labDown({ name: labName });
  lab = await labUp({ name: labName, hosts: 1, subnet: '10.213.104.0/24' });
}, 120_000);

afterAll(async () => {
  await labDown({ name: labName });
  await rm(scratch, { recursive: true, force: true });
}, 120_000);

/** Runs `hostname` on the host with its key file, the verifier deciding on the host key. */
async function hostnameOver(host: Host, verifier: HostKeyVerifier): Promise<string> {
  if (host.auth.kind !== 'keyFile') throw new Error(`host ${host.name} was imported without its key file`);
  const privateKey = await readFile(host.auth.keyPath);
  return new Promise((settle, fail) => {
    const client = new Client();
    client.once('error', fail);
    client.once('ready', () => {
      client.exec('hostname', (error, channel) => {
        if (error) return fail(error);
        let output = '';
        channel.on('data', (chunk: Buffer) => (output += chunk.toString()));
        channel.once('close', () => {
          client.end();
          settle(output.trim());
        });
      });
    });
    client.connect({
      host: host.address,
      port: host.port,
      username: host.user,
      privateKey,
      readyTimeout: 20_000,
      hostVerifier: (keyBlob: Buffer, verify: (valid: boolean) => void) => {
        verifier.verify(host, keyBlob).then((check) => verify(check.accepted), () => verify(false));
      },
    });
  });
}

describe('import of the lab ssh_config', () => {
  it('imports the lab host as ssh would reach it, then connects only once its key is known', async () => {
    const registry = await HostRegistry.openFile(join(scratch, 'hosts.json'), new MemorySecretStore());
    const [labHost] = lab.hosts;
    if (!labHost) throw new Error('the lab has no host');

    const preview = await previewSshConfigImport(registry, lab.sshConfigPath, { home: scratch, localUser: 'nobody' });
    expect(preview.toAdd.map((candidate) => candidate.host)).toEqual([
      {
        name: labHost.name,
        address: labHost.address,
        port: labHost.port,
        user: 'root',
        auth: { kind: 'keyFile', keyPath: lab.keyPath, hasPassphrase: false },
        tags: [],
        sudo: false,
      },
    ]);
    expect(preview.skipped).toEqual([]);
    expect((await applyImport(registry, preview)).added).toEqual([labHost.name]);
    const imported = registry.require(labHost.name);

    await expect(hostnameOver(imported, new HostKeyVerifier(registry, []))).rejects.toThrow();
    const knownLine = (await readFile(lab.knownHostsPath, 'utf8')).split('\n').find((line) => line.includes(labHost.address)) ?? '';
    const labKeyFingerprint = sha256Fingerprint(Buffer.from(knownLine.split(' ')[2] ?? '', 'base64'));
    expect(registry.require(labHost.name).trust).toMatchObject({ state: 'pending', offered: { fingerprint: labKeyFingerprint } });

    expect(await hostnameOver(imported, new HostKeyVerifier(registry, [lab.knownHostsPath]))).toBe(labHost.name);
    expect(registry.require(labHost.name).trust).toMatchObject({
      state: 'trusted',
      accepted: { fingerprint: labKeyFingerprint, source: 'known_hosts' },
    });
    expect(registry.require(labHost.name).trust.offered).toBeUndefined();
  });
});
