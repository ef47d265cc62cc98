// The fleet state model on its own: deltas for every change, derived summaries, health history
// and the alerts a UI shows, fed with the shapes the agent sends.
import { describe, expect, it } from 'vitest';
import type { FleetDelta } from '../../shared/api/fleetState';
import type { Host } from '../../shared/api/hosts';
import type { HostSample } from '../../shared/domain/guest';
import type { HostSync } from '../../electron/core/agent/hostSession';
import { FleetState } from '../../electron/core/inventory/fleetState';

const host = (name: string): Host => ({
  name, address: '192.0.2.1', port: 22, user: 'root', auth: { kind: 'agent' }, tags: ['web'], sudo: false, trust: { state: 'trusted' },
});

const config = (name: string, xid: number) => ({
  name, xid, nodename: name, domainname: '', interfaces: [], initStyle: 'plain' as const, mark: '', bcapabilities: [], ccapabilities: [], cflags: [], limits: {}, rootDir: `/vservers/${name}`,
});

const sync = (guests: Array<[string, number, 'running' | 'stopped']>): HostSync => ({
  deployment: { file: '/var/lib/vfleet/agent/x/vfleet-agent.js', nodeVersion: '20.0.0', uploaded: false, pruned: [] },
  hello: { protocolVersion: 2, agentVersion: '0.1.0', driver: 'namespaces', cgroupVersion: 1, features: [], hostname: 'h1', pid: 10, configBase: '/etc/vservers', guestBase: '/vservers', agentFile: '/var/lib/vfleet/agent/x/vfleet-agent.js', nodePath: '/usr/bin/node' },
  info: {
    hostname: 'h1', kernel: '6.1', driver: 'namespaces', cgroupVersion: 1, cpus: 4, memoryTotal: 8e9, memoryAvailable: 6e9, load: [0, 0, 0],
    guestBase: '/vservers', configBase: '/etc/vservers', diskTotal: 100e9, diskFree: 50e9, agentVersion: '0.1.0', nodeVersion: '20.0.0',
  },
  guests: guests.map(([name, xid, state]) => ({ config: config(name, xid), status: { name, xid, state, processes: state === 'running' ? 2 : 0 } })),
  baseline: guests.map(([name, xid, state]) => ({ name, xid, state, processes: state === 'running' ? 2 : 0 })),
});

const sample = (time: number, guests: HostSample['guests'], diskFree = 50e9): HostSample => ({
  time, cpuBusyFraction: 0.25, memoryTotal: 8e9, memoryAvailable: 6e9, load: [0.5, 0.4, 0.3], diskTotal: 100e9, diskFree, guests,
});

function stateWithClock(): { state: FleetState; deltas: FleetDelta[]; clock: { now: number } } {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const state = new FleetState({ now: () => clock.now, thresholds: { limitQuietMs: 5_000 } });
  const deltas: FleetDelta[] = [];
  state.subscribe((delta) => deltas.push(delta));
  return { state, deltas, clock };
}

describe('fleet state', () => {
  it('sends one summary for a whole sync, after every guest of it, with the final figures', () => {
    const { state, deltas } = stateWithClock();
    state.upsertHost(host('h1'));
    state.setConnection('h1', { state: 'connected' });
    deltas.length = 0;
    state.applySync('h1', sync(Array.from({ length: 12 }, (_, index) => [`g${index}`, 100 + index, index < 5 ? 'running' : 'stopped'] as [string, number, 'running' | 'stopped'])));
    const summaries = deltas.filter((delta) => delta.type === 'summary');
    expect(deltas.filter((delta) => delta.type === 'guest')).toHaveLength(12);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ summary: { guests: { total: 12, running: 5, stopped: 7 } } });
    const lastGuest = deltas.map((delta) => delta.type).lastIndexOf('guest');
    expect(deltas.findIndex((delta) => delta.type === 'summary')).toBeGreaterThan(lastGuest);
    // A guest event after the sync still gets its own summary at once.
    deltas.length = 0;
    state.applyGuestEvent('h1', { name: 'g9', xid: 109, state: 'running', previous: 'stopped', time: Date.UTC(2026, 0, 1) });
    expect(deltas.find((delta) => delta.type === 'summary')).toMatchObject({ summary: { guests: { running: 6, stopped: 6 } } });
  });

  it('merges a sync and pushed guest events into one model and sends a delta for each change', () => {
    const { state, deltas } = stateWithClock();
    state.upsertHost(host('h1'));
    state.setConnection('h1', { state: 'connected' });
    state.applySync('h1', sync([['web', 10, 'running'], ['db', 11, 'stopped']]));
    expect(state.snapshot().summary.guests).toEqual({ total: 2, running: 1, stopped: 1 });
    expect(state.guest('h1', 'web')?.config?.rootDir).toBe('/vservers/web');

    deltas.length = 0;
    expect(state.applyGuestEvent('h1', { name: 'db', xid: 11, state: 'running', previous: 'stopped', initPid: 4242, time: Date.UTC(2026, 0, 1) - 3_000 })).toBe(true);
    expect(deltas.find((delta) => delta.type === 'guest')).toMatchObject({ guest: { host: 'h1', name: 'db', state: 'running', initPid: 4242 } });
    expect(deltas.find((delta) => delta.type === 'summary')).toMatchObject({ summary: { guests: { running: 2, stopped: 0 } } });
    expect(state.guest('h1', 'db')?.startedAt).toBe(Date.UTC(2026, 0, 1) - 3_000);

    expect(state.applyGuestEvent('h1', { name: 'new', xid: 12, state: 'running', previous: 'unknown', time: 0 })).toBe(false);
    state.applyGuestEvent('h1', { name: 'db', xid: 11, state: 'deleted', previous: 'running', time: 0 });
    expect(state.guest('h1', 'db')).toBeUndefined();
    expect(deltas.at(-2)).toEqual({ type: 'guestRemoved', host: 'h1', guest: 'db' });

    state.applySync('h1', sync([['web', 10, 'running']]));
    state.removeHost('h1');
    expect(state.snapshot().hosts).toEqual([]);
    expect(deltas.some((delta) => delta.type === 'hostRemoved' && delta.host === 'h1')).toBe(true);
  });

  it('raises an alert for an unreachable host and a guest that stopped without being asked, and clears them', () => {
    const { state } = stateWithClock();
    state.upsertHost(host('h1'));
    state.setConnection('h1', { state: 'connected' });
    state.applySync('h1', sync([['web', 10, 'running'], ['db', 11, 'running']]));

    state.setConnection('h1', { state: 'unreachable', error: { reason: 'keepalive timeout', kind: 'unreachable' } });
    expect(state.snapshot().alerts).toEqual([expect.objectContaining({ id: 'hostUnreachable:h1', message: 'Host h1: keepalive timeout' })]);
    expect(state.snapshot().summary.hosts).toMatchObject({ up: 0, down: 1 });
    state.setConnection('h1', { state: 'connected' });
    expect(state.snapshot().alerts).toEqual([]);

    const forget = state.expectStop('h1', 'db');
    state.applyGuestEvent('h1', { name: 'db', xid: 11, state: 'stopped', previous: 'running', time: 0 });
    forget();
    state.applyGuestEvent('h1', { name: 'web', xid: 10, state: 'stopped', previous: 'running', time: 0 });
    expect(state.snapshot().alerts.map((alert) => alert.id)).toEqual(['guestStoppedUnexpectedly:h1:web']);
    state.applyGuestEvent('h1', { name: 'web', xid: 10, state: 'running', previous: 'stopped', time: 0 });
    expect(state.snapshot().alerts).toEqual([]);
  });

  it('turns health samples into CPU shares, history and limit and disk alerts', () => {
    const { state, deltas, clock } = stateWithClock();
    state.upsertHost(host('h1'));
    state.setConnection('h1', { state: 'connected' });
    state.applySync('h1', sync([['web', 10, 'running']]));
    const guest = (cpuUsageUsec: number, memoryHits: number) => ({ name: 'web', xid: 10, state: 'running' as const, cpuUsageUsec, rssBytes: 5e6, processes: 3, memoryHits, processesHits: 0, oomKills: 0 });

    state.applyHealthSample('h1', sample(clock.now, [guest(1_000_000, 0)]));
    clock.now += 1_000;
    state.applyHealthSample('h1', sample(clock.now, [guest(3_000_000, 0)]));
    expect(state.guest('h1', 'web')?.cpu).toBeCloseTo(0.5, 6);
    expect(state.snapshot().summary.cpu).toEqual({ busyCpus: 1, totalCpus: 4, fraction: 0.25 });
    expect(state.snapshot().summary.memory).toEqual({ usedBytes: 2e9, totalBytes: 8e9, fraction: 0.25 });
    expect(state.history('h1', 'web')?.live.map((point) => point.memoryBytes)).toEqual([5e6, 5e6]);
    expect(state.history('h1')?.minutes[0]?.samples).toBe(2);
    // A host's point carries its 1-minute load and the guest base's used bytes; a guest's does not.
    expect(state.history('h1')?.live.at(-1)).toEqual({ time: clock.now, cpu: 0.25, memoryBytes: 2e9, load: 0.5, diskUsedBytes: 50e9 });
    expect(state.history('h1')?.minutes[0]).toMatchObject({ loadAvg: 0.5, loadMax: 0.5, diskUsedAvg: 50e9, diskUsedMax: 50e9 });
    expect(state.history('h1', 'web')?.live.at(-1)).toEqual({ time: clock.now, cpu: 0.5, memoryBytes: 5e6, processes: 3 });
    expect(deltas.filter((delta) => delta.type === 'health').at(-1)).toMatchObject({ point: { load: 0.5, diskUsedBytes: 50e9 } });

    clock.now += 1_000;
    state.applyHealthSample('h1', sample(clock.now, [guest(3_000_000, 2)], 5e9));
    const ids = state.snapshot().alerts.map((alert) => alert.id).sort();
    expect(ids).toEqual(['diskLow:h1', 'memoryLimitHit:h1:web']);
    expect(state.snapshot().alerts.find((alert) => alert.kind === 'diskLow')?.message).toBe('Host h1: the guest base has only 5.0% free (4.7 GiB of 93.1 GiB)');

    clock.now += 6_000;
    state.applyHealthSample('h1', sample(clock.now, [guest(3_000_000, 2)]));
    expect(state.snapshot().alerts).toEqual([]);
  });

  it('gives each alert its kind, host, guest, severity and first-seen time, and keeps that time while the counts grow', () => {
    const { state, deltas, clock } = stateWithClock();
    state.upsertHost(host('h1'));
    state.setConnection('h1', { state: 'connected' });
    state.applySync('h1', sync([['web', 10, 'running']]));
    const guest = (memoryHits: number, oomKills: number) => ({ name: 'web', xid: 10, state: 'running' as const, cpuUsageUsec: 0, rssBytes: 5e6, processes: 3, memoryHits, processesHits: 0, oomKills });
    state.applyHealthSample('h1', sample(clock.now, [guest(0, 0)]));
    const firstHit = clock.now += 1_000;
    state.applyHealthSample('h1', sample(clock.now, [guest(2, 0)]));
    clock.now += 1_000;
    state.applyHealthSample('h1', sample(clock.now, [guest(3, 1)]));
    state.setConnection('h1', { state: 'unreachable', error: { reason: 'keepalive timeout', kind: 'unreachable' } });

    expect(state.snapshot().alerts).toEqual([
      {
        id: 'memoryLimitHit:h1:web', kind: 'memoryLimitHit', host: 'h1', guest: 'web', severity: 'warning', since: firstHit,
        message: 'Host h1, guest web: hit its memory limit (3 times, 1 processes killed)',
      },
      { id: 'hostUnreachable:h1', kind: 'hostUnreachable', host: 'h1', severity: 'critical', since: clock.now, message: 'Host h1: keepalive timeout' },
    ]);
    // Every change of the message went out as a delta, each with the same first-seen time.
    expect(deltas.flatMap((delta) => (delta.type === 'alert' && delta.alert.kind === 'memoryLimitHit' ? [delta.alert.since] : []))).toEqual([firstHit, firstHit]);
  });
});
