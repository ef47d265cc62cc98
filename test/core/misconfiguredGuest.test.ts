// One guest with a bad configuration value never takes its host down: the agent lists every guest
// and names the bad one with the file and value, the core shows that guest as misconfigured beside
// intact ones and keeps the host connected, and a passing failure during setup (a full disk while
// the agent is uploaded) is retried until it clears, never leaving the host failed for good.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFleet } from '../../electron/cli/fleetSummary';
import { labDown, labUp, type Lab } from '../lab/lab';
import { closeCoreAndLab, type CoreHandle, startCore } from './support/coreOnLab';

const LAB = { name: 'sealagent', subnet: '10.213.135.0/24', hosts: 2 };
const BAD_IP_FILE = '/etc/vservers/badnet/interfaces/0/ip';

describe('a guest with a bad configuration value', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    handle = await startCore({ knownHostsFiles: [lab.knownHostsPath] });
    for (const name of ['lab-1', 'lab-2']) {
      await handle.core.invoke('hosts.add', { name, address: lab.host(name).address, auth: { kind: 'keyFile', keyPath: lab.keyPath } });
    }
  }, 120_000);

  afterAll(() => closeCoreAndLab(handle, LAB.name));

  it('is listed by the agent with the file and value named, every other guest intact', async () => {
    const core = handle!.core;
    const [first] = await core.invoke('hosts.connect', { names: ['lab-1'], timeoutMs: 60_000 });
    expect(first?.connection, first?.error).toBe('connected');
    await core.invoke('guest.build', { host: 'lab-1', build: { name: 'goodnet', method: 'skeleton', xid: 411 } });
    await core.invoke('guest.build', { host: 'lab-1', build: { name: 'badnet', method: 'skeleton', xid: 412 } });
    await lab.exec('lab-1', ['sh', '-c', 'mkdir -p "$(dirname "$1")" && echo 10.0.0.2/24 > "$1"', 'sh', BAD_IP_FILE]);
    const listed = await lab.exec('lab-1', ['node', first!.agent!.file, 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const list = JSON.parse(listed.stdout) as { guests: { config: { name: string } }[]; unreadable?: { name: string; error: string }[] };
    expect(list.guests.map((guest) => guest.config.name)).toEqual(['goodnet']);
    expect(list.unreadable).toEqual([{ name: 'badnet', error: expect.stringContaining(`${BAD_IP_FILE} holds '10.0.0.2/24'`) }]);
  }, 120_000);

  it('shows as misconfigured in the core, the host stays connected and its other guests are there', async () => {
    const core = handle!.core;
    await core.invoke('hosts.disconnect', { names: ['lab-1'] });
    const [status] = await core.invoke('hosts.connect', { names: ['lab-1'], timeoutMs: 60_000 });
    expect(status?.connection, status?.error).toBe('connected');
    expect(status?.agentError).toBeUndefined();
    const host = core.snapshot().hosts.find((candidate) => candidate.name === 'lab-1');
    expect(host?.guests.find((guest) => guest.name === 'goodnet')).toMatchObject({ state: 'stopped', xid: 411, config: expect.objectContaining({ name: 'goodnet' }) });
    const bad = host?.guests.find((guest) => guest.name === 'badnet');
    expect(bad?.misconfigured).toContain(BAD_IP_FILE);
    expect(bad?.misconfigured).toContain('10.0.0.2/24');
    expect(describeFleet(core.snapshot())).toMatch(new RegExp(`badnet +misconfigured +.*${BAD_IP_FILE}`));
    // Repaired on the host: the core shows it as a normal guest again.
    await lab.exec('lab-1', ['sh', '-c', `echo 10.0.0.2 > ${BAD_IP_FILE}`]);
    await expect.poll(() => core.snapshot().hosts.find((candidate) => candidate.name === 'lab-1')?.guests.find((guest) => guest.name === 'badnet'), { timeout: 15_000 })
      .toMatchObject({ xid: 412, config: expect.objectContaining({ interfaces: [expect.objectContaining({ ip: '10.0.0.2' })] }) });
    expect(core.snapshot().hosts.find((candidate) => candidate.name === 'lab-1')?.guests.find((guest) => guest.name === 'badnet')?.misconfigured).toBeUndefined();
    // Broken again while connected: the health samples name it, and the host stays connected.
    await lab.exec('lab-1', ['sh', '-c', `echo 10.0.0.2/24 > ${BAD_IP_FILE}`]);
    await expect.poll(() => core.snapshot().hosts.find((candidate) => candidate.name === 'lab-1')?.guests.find((guest) => guest.name === 'badnet')?.misconfigured, { timeout: 15_000 })
      .toContain(BAD_IP_FILE);
    expect(core.snapshot().hosts.find((candidate) => candidate.name === 'lab-1')).toMatchObject({ connection: 'connected' });
  }, 120_000);

  it('keeps retrying a host whose setup fails for a passing reason (a full disk), and connects once it clears', async () => {
    const core = handle!.core;
    const full = await lab.exec('lab-2', ['sh', '-c', 'mount -t tmpfs -o size=16k vfleet-full /var/lib/vfleet']);
    expect(full.code, full.stderr).toBe(0);
    const [during] = await core.invoke('hosts.connect', { names: ['lab-2'], timeoutMs: 5_000 });
    expect(during?.connection).not.toBe('failed');
    await expect.poll(() => core.snapshot().hosts.find((host) => host.name === 'lab-2')?.agentError, { timeout: 15_000 }).toMatch(/uploading the vfleet agent failed/);
    expect((await lab.exec('lab-2', ['umount', '/var/lib/vfleet'])).code).toBe(0);
    await expect.poll(() => core.snapshot().hosts.find((host) => host.name === 'lab-2'), { timeout: 30_000 })
      .toMatchObject({ connection: 'connected', info: expect.objectContaining({ hostname: 'lab-2' }) });
    expect(core.snapshot().hosts.find((host) => host.name === 'lab-2')?.agentError).toBeUndefined();
  }, 120_000);
});
