// Faults on lab hosts while the core is connected: a cut link, its repair, a reboot and an sshd
// killed in the middle of a request. Each must show in the fleet state with a clear cause and
// never hold up the other hosts. Afterwards, the hosts' agents driven directly, two at once, as a
// migration coordinator does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type Lab } from '../lab/lab';
import { FAST_CONNECTIONS, onboardLabHosts, removeDataDir, startCore, unpinAgentBundle, waitFor, type CoreHandle } from './support/coreOnLab';

const LAB = { name: 'coretest-3', subnet: '10.213.113.0/24', hosts: 3 };
const KEEPALIVE_WINDOW_MS = (FAST_CONNECTIONS?.keepaliveIntervalMs ?? 0) * ((FAST_CONNECTIONS?.keepaliveCountMax ?? 0) + 1);

describe('faults on lab hosts', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    handle = await startCore();
    await onboardLabHosts(handle.core, lab);
    for (const [host, name, xid] of [['lab-1', 'g1', 301], ['lab-2', 'g2', 302], ['lab-3', 'g3', 303]] as const) {
      await handle.core.invoke('guest.build', { host, build: { name, method: 'busybox', xid } });
      await handle.core.invoke('guest.start', { host, guest: name });
    }
  });

  afterAll(async () => {
    await handle?.close();
    await removeDataDir(handle);
    await unpinAgentBundle();
    await labDown({ name: LAB.name });
  });

  it('marks a cut host unreachable within the keepalive window while the others keep working', async () => {
    const core = handle!.core;
    await lab.cut('lab-2');
    const during = core.invoke('guest.exec', { host: 'lab-1', guest: 'g1', argv: ['echo', 'still here'] });
    await waitFor('lab-2 unreachable', () => core.state.host('lab-2')?.connection === 'unreachable', KEEPALIVE_WINDOW_MS + 5_000);
    expect((await during).stdout).toBe('still here\n');
    expect(core.state.host('lab-2')?.error).toMatch(/^Host lab-2: /);
    expect(core.snapshot().alerts.map((alert) => alert.id)).toContain('hostUnreachable:lab-2');

    const fleetWide = await core.invoke('fleet.exec', { argv: ['true'], timeoutMs: 20_000 });
    const byHost = Object.fromEntries(fleetWide.results.map((outcome) => [outcome.host, outcome]));
    expect(byHost['lab-1']?.exitCode).toBe(0);
    expect(byHost['lab-3']?.exitCode).toBe(0);
    expect(byHost['lab-2']?.exitCode).toBeUndefined();
    expect(byHost['lab-2']?.error).toMatch(/^Host lab-2, guest g2: /);
    expect(core.snapshot().summary.hosts).toMatchObject({ up: 2, down: 1 });
  });

  it('reconnects and resynchronises a healed host within 30 s', async () => {
    const core = handle!.core;
    const healedAt = Date.now();
    await lab.heal('lab-2');
    await waitFor('lab-2 connected and synced', () => {
      const host = core.state.host('lab-2');
      return host?.connection === 'connected' && (host.syncedAt ?? 0) >= healedAt;
    }, 30_000);
    expect(core.state.guest('lab-2', 'g2')?.state).toBe('running');
    expect(core.snapshot().alerts.map((alert) => alert.id)).not.toContain('hostUnreachable:lab-2');
    const after = await core.invoke('guest.exec', { host: 'lab-2', guest: 'g2', argv: ['echo', 'back'] });
    expect(after.stdout).toBe('back\n');
  });

  it('shows the guests of a rebooted host stopped, then the host back', async () => {
    const core = handle!.core;
    const rebootedAt = Date.now();
    await lab.reboot('lab-3');
    await waitFor('lab-3 back and synced', () => {
      const host = core.state.host('lab-3');
      return host?.connection === 'connected' && (host.syncedAt ?? 0) >= rebootedAt;
    }, 60_000);
    expect(core.state.guest('lab-3', 'g3')?.state).toBe('stopped');
    expect(core.snapshot().alerts.map((alert) => alert.id)).toContain('guestStoppedUnexpectedly:lab-3:g3');
    const restarted = await core.invoke('guest.start', { host: 'lab-3', guest: 'g3' });
    expect(restarted.state).toBe('running');
  });

  it('fails a request cleanly when sshd dies under it, and reconnects once sshd is back', async () => {
    const core = handle!.core;
    const longRequest = core.invoke('guest.exec', { host: 'lab-1', guest: 'g1', argv: ['sleep', '60'] });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await lab.killSshd('lab-1');
    const sessions = await lab.exec('lab-1', ['pgrep', '-x', 'sshd']);
    const pids = sessions.stdout.split('\n').filter((line) => /^\d+$/.test(line));
    expect(pids.length).toBeGreaterThan(0);
    await lab.exec('lab-1', ['kill', '-KILL', ...pids]);

    const outcome = await longRequest;
    expect(outcome.exitCode).toBeUndefined();
    expect(outcome.error).toBe(`Host lab-1, guest g1: the SSH connection to ${lab.host('lab-1').address}:22 was closed by the host while 'sleep' was running`);
    await waitFor('lab-1 unreachable', () => core.state.host('lab-1')?.connection === 'unreachable', 10_000);
    await expect(core.invoke('guest.exec', { host: 'lab-1', guest: 'g1', argv: ['true'] })).resolves.toMatchObject({ error: expect.stringMatching(/^Host lab-1/) });

    const restartedAt = Date.now();
    await lab.startSshd('lab-1');
    await waitFor('lab-1 connected and resynchronised', () => {
      const host = core.state.host('lab-1');
      return host?.connection === 'connected' && (host.syncedAt ?? 0) >= restartedAt;
    }, 30_000);
    const after = await core.invoke('guest.exec', { host: 'lab-1', guest: 'g1', argv: ['echo', 'ok'] });
    expect(after.stdout).toBe('ok\n');
  });

  it('hands out two hosts\' agents to drive directly, and keeps the app API off a guest held meanwhile', async () => {
    const core = handle!.core;
    const source = core.agent('lab-1');
    const target = core.agent('lab-2');
    const sampled = new Set<string>();
    const stopListening = target.on('healthSample', (sample) => { for (const guest of sample.guests) sampled.add(guest.name); });
    const release = core.lockGuest({ host: 'lab-1', guest: 'g1' }, 'migration of g1 to lab-2');
    try {
      await expect(core.invoke('guest.stop', { host: 'lab-1', guest: 'g1' })).rejects.toThrow('Host lab-1, guest g1: busy: migration of g1 to lab-2 from this vfleet has not finished');
      expect((await source.call('status', { name: 'g1' })).state).toBe('running');
      expect((await target.call('list', undefined)).guests.map((guest) => guest.config.name)).toContain('g2');
      await waitFor('a health sample from lab-2', () => sampled.has('g2'), 10_000);
    } finally {
      release();
      stopListening();
    }
    expect((await core.invoke('guest.stop', { host: 'lab-1', guest: 'g1' })).state).toBe('stopped');
  });
});
