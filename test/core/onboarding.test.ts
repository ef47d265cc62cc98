// Onboarding three lab hosts: an unknown key waits for approval, an approved host gets the agent
// and shows its inventory, a second connect uploads nothing, and a host whose key changed is
// blocked without being logged into.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentBundle } from '../../electron/core/agent/agentBundle';
import { labDown, labUp, type Lab } from '../lab/lab';
import { hostFiles } from '../lab/labLayout';
import { addLabHosts, labFingerprint, pinAgentBundle, removeDataDir, startCore, unpinAgentBundle, type CoreHandle } from './support/coreOnLab';

const LAB = { name: 'coretest-1', subnet: '10.213.111.0/24', hosts: 3 };

describe('onboarding lab hosts', () => {
  let lab: Lab;
  let first: CoreHandle | undefined;
  let second: CoreHandle | undefined;
  const hostNames = ['lab-1', 'lab-2', 'lab-3'];

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await removeDataDir(first);
    await unpinAgentBundle();
    await labDown({ name: LAB.name });
  });

  const sshdLog = (host: string): Promise<string> => readFile(path.join(hostFiles(lab.dir, host).sshdDir, 'sshd.log'), 'utf8').catch(() => '');
  const logins = async (host: string): Promise<number> => (await sshdLog(host)).split('\n').filter((line) => line.startsWith('Accepted publickey')).length;

  it('keeps hosts with an unknown key pending, showing the fingerprint, without logging in', async () => {
    first = await startCore();
    await addLabHosts(first.core, lab);
    const statuses = await first.core.invoke('hosts.connect', { names: hostNames, timeoutMs: 30_000 });
    for (const status of statuses) {
      expect(status.connection).toBe('pendingApproval');
      expect(status.trust).toBe('pending');
      expect(status.offeredFingerprint).toBe(await labFingerprint(lab, status.name));
      expect(status.error).toContain(status.offeredFingerprint);
      expect(await logins(status.name)).toBe(0);
    }
    expect(first.core.snapshot().summary.hosts).toMatchObject({ total: 3, up: 0, needAttention: 3 });
  });

  it('connects approved hosts, deploys the agent by content hash and reads their inventory', async () => {
    const core = first!.core;
    for (const name of hostNames) {
      const host = core.registry.require(name);
      await core.invoke('hosts.approveKey', { name, fingerprint: host.trust.offered!.fingerprint });
    }
    const statuses = await core.invoke('hosts.connect', { names: hostNames, timeoutMs: 60_000 });
    const bundle = await loadAgentBundle(await pinAgentBundle());
    for (const status of statuses) {
      expect(status.connection, status.error).toBe('connected');
      expect(status.agent?.uploaded).toBe(true);
      expect(status.agent?.file).toBe(`/var/lib/vfleet/agent/${bundle.sha256}/vfleet-agent.js`);
      expect(status.info?.hostname).toBe(status.name);
      const onHost = await lab.exec(status.name, ['sha256sum', status.agent!.file]);
      expect(onHost.stdout.split(' ')[0]).toBe(bundle.sha256);
    }
    const snapshot = core.snapshot();
    expect(snapshot.summary.hosts).toMatchObject({ total: 3, up: 3, down: 0 });
    expect(snapshot.hosts.every((host) => Array.isArray(host.guests) && host.syncedAt !== undefined)).toBe(true);
  });

  it('reaches a host through a jump host, checking the target\'s own key', async () => {
    const core = first!.core;
    await core.invoke('hosts.add', { name: 'lab-2-via-1', address: lab.host('lab-2').address, jump: 'lab-1', auth: { kind: 'keyFile', keyPath: lab.keyPath } });
    const [pending] = await core.invoke('hosts.connect', { names: ['lab-2-via-1'], timeoutMs: 30_000 });
    expect(pending?.connection).toBe('pendingApproval');
    expect(pending?.offeredFingerprint).toBe(await labFingerprint(lab, 'lab-2'));
    await core.invoke('hosts.approveKey', { name: 'lab-2-via-1', fingerprint: pending!.offeredFingerprint! });
    const [through] = await core.invoke('hosts.connect', { names: ['lab-2-via-1'], timeoutMs: 60_000 });
    expect(through?.connection, through?.error).toBe('connected');
    expect(through?.info?.hostname).toBe('lab-2');
    expect(await sshdLog('lab-2')).toContain(`Accepted publickey for root from ${lab.host('lab-1').address} `);
    await core.invoke('hosts.remove', { name: 'lab-2-via-1' });
    expect(core.state.host('lab-2-via-1')).toBeUndefined();
  });

  it('uploads nothing on a second connect from another core with the same registry', async () => {
    const file = first!.core.state.host('lab-1')!.agent!.file;
    const before = await lab.exec('lab-1', ['stat', '-c', '%Y.%i', file]);
    await first!.close();
    second = await startCore({ dataDir: first!.dataDir });
    const statuses = await second.core.invoke('hosts.connect', { names: hostNames, timeoutMs: 60_000 });
    for (const status of statuses) {
      expect(status.connection, status.error).toBe('connected');
      expect(status.agent?.uploaded).toBe(false);
    }
    const after = await lab.exec('lab-1', ['stat', '-c', '%Y.%i', file]);
    expect(after.stdout).toBe(before.stdout);
    await second.close();
  });

  it('blocks a host whose key was regenerated and does not log in to it', async () => {
    await lab.rekey('lab-3');
    const loginsBefore = await logins('lab-3');
    second = await startCore({ dataDir: first!.dataDir });
    const [status] = await second.core.invoke('hosts.connect', { names: ['lab-3'], timeoutMs: 30_000 });
    expect(status?.connection).toBe('blocked');
    expect(status?.trust).toBe('blocked');
    expect(status?.error).toMatch(/CHANGED/);
    expect(status?.offeredFingerprint).not.toBe(second.core.registry.require('lab-3').trust.accepted?.fingerprint);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await logins('lab-3')).toBe(loginsBefore);
    expect(second.core.snapshot().hosts.find((host) => host.name === 'lab-3')?.connection).toBe('blocked');
  });

  it('trusts hosts found in the admin\'s known_hosts without asking', async () => {
    const third = await startCore({ knownHostsFiles: [lab.knownHostsPath] });
    try {
      await addLabHosts(third.core, lab, ['lab-1']);
      const [status] = await third.core.invoke('hosts.connect', { names: ['lab-1'], timeoutMs: 60_000 });
      expect(status?.connection, status?.error).toBe('connected');
      expect(third.core.registry.require('lab-1').trust.accepted?.source).toBe('known_hosts');
      expect((await stat(path.join(third.dataDir, 'hosts.json'))).isFile()).toBe(true);
    } finally {
      await third.close();
      await removeDataDir(third);
    }
  });
});
