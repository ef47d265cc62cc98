// The renderer's fleet store on the core's own message shapes: a snapshot and deltas applied in
// order, each batch notifying only the topics it changed (so one guest's delta re-renders only
// what shows that guest), live series bounded and fed by health deltas, a later snapshot (after a
// reconnect) replacing the fleet; and the chart downsampling that keeps every peak.
import { describe, expect, it } from 'vitest';
import type { FleetSnapshot, GuestView, HostStatus } from '../../shared/api/fleetState';
import type { MigrationProgress } from '../../shared/api/migration';
import { GUEST_SERIES_CAPACITY, FleetStore, guestKey } from '../../renderer/src/store/fleetStore';
import { downsampleMinMax } from '../../renderer/src/widgets/downsample';

const T0 = 1_800_000_000_000;

function host(name: string, time = T0): HostStatus {
  return {
    name, address: `10.0.0.${name.length}`, port: 22, user: 'root', tags: [], trust: 'trusted', connection: 'connected',
    health: { time, cpu: 0.5, cpus: 2, memoryTotal: 8e9, memoryUsed: 2e9, load: [1, 1, 1], diskTotal: 1e11, diskFree: 5e10 },
  };
}

function guest(hostName: string, name: string, xid: number): GuestView {
  return { host: hostName, name, xid, state: 'running', processes: 1 };
}

function snapshotOf(guestsPerHost: number): FleetSnapshot {
  const hosts = ['h1', 'h2'].map((name) => ({ ...host(name), guests: Array.from({ length: guestsPerHost }, (_, index) => guest(name, `g${index}`, 100 + index)) }));
  return {
    hosts,
    summary: { hosts: { total: 2, up: 2, down: 0, needAttention: 0 }, guests: { total: 2 * guestsPerHost, running: 2 * guestsPerHost, stopped: 0 }, cpu: { busyCpus: 2, totalCpus: 4, fraction: 0.5 }, memory: { usedBytes: 4e9, totalBytes: 16e9, fraction: 0.25 } },
    alerts: [],
  };
}

/** Counts the notifications each topic gets. */
function watch(store: FleetStore, topics: string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(topics.map((topic) => [topic, 0]));
  for (const topic of topics) store.subscribe(topic, () => { counts[topic] = (counts[topic] ?? 0) + 1; });
  return counts;
}

describe('the fleet store', () => {
  it('applies a snapshot of 1,000 guests and a guest delta notifies only that guest, its host\'s list and the fleet list', () => {
    const store = new FleetStore(() => T0);
    store.applySnapshot(snapshotOf(500));
    expect(store.guestViews()).toHaveLength(1000);
    const counts = watch(store, [`guest:${guestKey('h1', 'g1')}`, `guest:${guestKey('h1', 'g2')}`, 'guests', 'guests:h1', 'guests:h2', 'hosts', 'summary']);
    const before = store.guest('h1', 'g2');
    store.applyDeltas([{ type: 'guest', guest: { ...guest('h1', 'g1', 101), state: 'stopped', processes: 0 } }]);
    expect(counts).toEqual({ [`guest:${guestKey('h1', 'g1')}`]: 1, [`guest:${guestKey('h1', 'g2')}`]: 0, guests: 1, 'guests:h1': 1, 'guests:h2': 0, hosts: 0, summary: 0 });
    expect(store.guest('h1', 'g1')?.state).toBe('stopped');
    // Unchanged guests keep their object, so memoised rows skip rendering.
    expect(store.guest('h1', 'g2')).toBe(before);
    expect(store.guestsOf('h2')).toBe(store.guestsOf('h2'));
  });

  it('keeps the guest list by host then name through figure updates, arrivals and removals', () => {
    const store = new FleetStore(() => T0);
    store.applySnapshot(snapshotOf(3));
    const names = (): string[] => store.guestViews().map((view) => guestKey(view.host, view.name));
    expect(names()).toEqual(['h1/g0', 'h1/g1', 'h1/g2', 'h2/g0', 'h2/g1', 'h2/g2']);
    // A health sample changes every sampled guest's figures, not the order: the list shows the new figures.
    store.applyDeltas([{ type: 'health', host: 'h2', point: { time: T0 + 1000, cpu: 0.1, memoryBytes: 1 }, guests: [{ name: 'g1', point: { time: T0 + 1000, cpu: 0.25, memoryBytes: 42, processes: 3 } }] }]);
    expect(names()).toEqual(['h1/g0', 'h1/g1', 'h1/g2', 'h2/g0', 'h2/g1', 'h2/g2']);
    expect(store.guestViews()[4]).toMatchObject({ name: 'g1', cpu: 0.25, memoryBytes: 42, processes: 3 });
    // A guest that arrives takes its place in the order; one that goes leaves it.
    store.applyDeltas([{ type: 'guest', guest: guest('h1', 'g10', 110) }, { type: 'guest', guest: guest('a0', 'z', 120) }]);
    expect(names()).toEqual(['a0/z', 'h1/g0', 'h1/g1', 'h1/g10', 'h1/g2', 'h2/g0', 'h2/g1', 'h2/g2']);
    store.applyDeltas([{ type: 'guestRemoved', host: 'h1', guest: 'g1' }]);
    expect(names()).toEqual(['a0/z', 'h1/g0', 'h1/g10', 'h1/g2', 'h2/g0', 'h2/g1', 'h2/g2']);
  });

  it('notifies each changed topic once per batch, however many deltas the batch holds', () => {
    const store = new FleetStore(() => T0);
    store.applySnapshot(snapshotOf(3));
    const counts = watch(store, ['guests', 'hosts']);
    store.applyDeltas([
      { type: 'guest', guest: { ...guest('h1', 'g0', 100), processes: 5 } },
      { type: 'guest', guest: { ...guest('h2', 'g1', 101), processes: 6 } },
      { type: 'host', host: host('h1', T0 + 1000) },
      { type: 'host', host: host('h2', T0 + 1000) },
    ]);
    expect(counts).toEqual({ guests: 1, hosts: 1 });
  });

  it('feeds a guest\'s figures and its live series from health deltas, bounded, ignoring a repeated sample', () => {
    const store = new FleetStore(() => T0);
    store.applySnapshot(snapshotOf(1));
    const counts = watch(store, [`series:${guestKey('h1', 'g0')}`, `series:${guestKey('h2', 'g0')}`]);
    const samples = GUEST_SERIES_CAPACITY + 25;
    for (let second = 1; second <= samples; second += 1) {
      store.applyDeltas([{ type: 'health', host: 'h1', point: { time: T0 + second * 1000, cpu: 0.5, memoryBytes: 1 }, guests: [{ name: 'g0', point: { time: T0 + second * 1000, cpu: second / 10_000, memoryBytes: second * 1024, processes: 3 } }] }]);
    }
    store.applyDeltas([{ type: 'health', host: 'h1', point: { time: T0 + samples * 1000, cpu: 0.5, memoryBytes: 1 }, guests: [{ name: 'g0', point: { time: T0 + samples * 1000, cpu: 0.9, memoryBytes: 1, processes: 3 } }] }]);
    const points = store.guestSeriesOf('h1', 'g0')?.points() ?? [];
    expect(points).toHaveLength(GUEST_SERIES_CAPACITY);
    expect(points[0]?.time).toBe(T0 + 26 * 1000);
    expect(points[points.length - 1]).toEqual({ time: T0 + samples * 1000, cpu: samples / 10_000, memoryBytes: samples * 1024, processes: 3 });
    expect(store.guest('h1', 'g0')).toMatchObject({ memoryBytes: 1, processes: 3 });
    expect(counts[`series:${guestKey('h1', 'g0')}`]).toBe(samples);
    expect(counts[`series:${guestKey('h2', 'g0')}`]).toBe(0);
  });

  it('feeds a host\'s live CPU, memory, load and disk from its health deltas, once per sample time', () => {
    const store = new FleetStore(() => T0);
    store.applySnapshot(snapshotOf(0));
    const counts = watch(store, ['series:h1', 'series:h2']);
    const point = (second: number, load?: number) => ({ time: T0 + second * 1000, cpu: 0.25, memoryBytes: 2e9, ...(load === undefined ? {} : { load }), diskUsedBytes: 4e10 + second });
    store.applyDeltas([
      { type: 'health', host: 'h1', point: point(1, 1.5), guests: [] },
      { type: 'host', host: host('h1', T0 + 1000) },
      { type: 'health', host: 'h1', point: point(1, 9), guests: [] },
      { type: 'health', host: 'h1', point: point(2), guests: [] },
      { type: 'health', host: 'gone', point: point(2, 1), guests: [] },
    ]);
    expect(store.hostSeriesOf('h1')?.points()).toEqual([
      { time: T0 + 1000, cpu: 0.25, memoryBytes: 2e9, load: 1.5, diskUsedBytes: 4e10 + 1 },
      { time: T0 + 2000, cpu: 0.25, memoryBytes: 2e9, load: Number.NaN, diskUsedBytes: 4e10 + 2 },
    ]);
    expect(counts).toEqual({ 'series:h1': 1, 'series:h2': 0 });
    expect(store.hostSeriesOf('gone')).toBeUndefined();
  });

  it('moves a cleared alert to the cleared list, and a new snapshot replaces hosts, guests and alerts', () => {
    const store = new FleetStore(() => T0 + 5000);
    store.applySnapshot(snapshotOf(2));
    store.applyDeltas([{ type: 'alert', alert: { id: 'a1', kind: 'hostUnreachable', host: 'h2', severity: 'critical', message: 'Host h2: down', since: T0 } }]);
    expect(store.activeAlerts().map((alert) => alert.id)).toEqual(['a1']);
    store.applyDeltas([{ type: 'alertCleared', id: 'a1' }]);
    expect(store.activeAlerts()).toEqual([]);
    expect(store.clearedAlerts()).toMatchObject([{ id: 'a1', clearedAt: T0 + 5000 }]);

    store.applyDeltas([{ type: 'health', host: 'h1', point: { time: T0 + 1000, cpu: 0.5, memoryBytes: 2e9, load: 1, diskUsedBytes: 5e10 }, guests: [] }]);
    const next = snapshotOf(1);
    next.hosts = next.hosts.filter((view) => view.name === 'h1');
    store.applySnapshot(next);
    expect(store.hostStatuses().map((status) => status.name)).toEqual(['h1']);
    expect(store.guestViews().map((view) => `${view.host}/${view.name}`)).toEqual(['h1/g0']);
    expect(store.hostSeriesOf('h1')?.length).toBe(1);
  });

  it('tracks migrations from their deltas: the guest is busy on both hosts until a final phase, each phase\'s first time kept, only that guest\'s topics notified', () => {
    const store = new FleetStore(() => T0);
    store.applySnapshot(snapshotOf(2));
    const counts = watch(store, ['migrations', `migration:${guestKey('h1', 'g0')}`, `migration:${guestKey('h2', 'g0')}`, `migration:${guestKey('h1', 'g1')}`, 'guests']);
    const progress = (phase: MigrationProgress['phase'], time: number, bytes = 0): MigrationProgress => ({
      migration: 'm-1', host: 'h1', guest: 'g0', to: 'h2', phase, bytes, rateBytesPerSecond: 0, round: 1, time,
    });
    store.applyDeltas([{ type: 'migration', progress: progress('precopy', T0 + 10) }, { type: 'migration', progress: progress('precopy', T0 + 20, 4096) }]);
    expect(counts).toEqual({ migrations: 1, [`migration:${guestKey('h1', 'g0')}`]: 1, [`migration:${guestKey('h2', 'g0')}`]: 1, [`migration:${guestKey('h1', 'g1')}`]: 0, guests: 0 });
    expect(store.activeMigrationOf('h1', 'g0')?.progress.bytes).toBe(4096);
    store.applyDeltas([{ type: 'migration', progress: { ...progress('precopy', T0 + 25, 8192), rateBytesPerSecond: 1e6 } }, { type: 'migration', progress: progress('precopy', T0 + 26, 8192) }]);
    expect(store.activeMigrationOf('h1', 'g0')?.lastRateBytesPerSecond).toBe(1e6);
    expect(store.activeMigrationOf('h2', 'g0')?.progress.migration).toBe('m-1');
    expect(store.activeMigrationOf('h1', 'g1')).toBeUndefined();
    store.applyDeltas([{ type: 'migration', progress: progress('switching', T0 + 30) }, { type: 'migration', progress: progress('rollingBack', T0 + 40) }]);
    expect(store.activeMigrationOf('h1', 'g0')?.phases).toEqual({ precopy: T0 + 10, switching: T0 + 30, rollingBack: T0 + 40 });
    store.applyDeltas([{ type: 'migration', progress: progress('rolledBack', T0 + 50) }]);
    expect(store.activeMigrationOf('h1', 'g0')).toBeUndefined();
    expect(store.migrationTracks().map((track) => [track.progress.migration, track.progress.phase, track.firstSeen])).toEqual([['m-1', 'rolledBack', T0 + 10]]);
    // Finished ones are bounded; running ones are never dropped.
    const many = Array.from({ length: 120 }, (_, index) => ({ type: 'migration' as const, progress: { ...progress('done', T0 + 100 + index), migration: `m-done-${index}` } }));
    store.applyDeltas([{ type: 'migration', progress: { ...progress('precopy', T0 + 60), migration: 'm-run', guest: 'g1' } }, ...many]);
    expect(store.migrationTracks()).toHaveLength(101);
    expect(store.activeMigrationOf('h1', 'g1')?.progress.migration).toBe('m-run');
    expect(store.migrationTracks()[0]?.progress.migration).toBe('m-done-119');
  });
});

describe('min/max downsampling for charts', () => {
  it('keeps at most two points per bucket, in time order, with every bucket\'s lowest and highest', () => {
    const points = Array.from({ length: 86_400 }, (_, index) => ({ time: index, value: index === 40_000 ? 99 : index === 70_000 ? -5 : Math.sin(index / 500) }));
    const sampled = downsampleMinMax(points, 300, (point) => point.value);
    expect(sampled.length).toBeLessThanOrEqual(600);
    expect(sampled.map((point) => point.value)).toContain(99);
    expect(sampled.map((point) => point.value)).toContain(-5);
    expect(sampled.every((point, index) => index === 0 || (sampled[index - 1]?.time ?? 0) < point.time)).toBe(true);
    expect(downsampleMinMax(points.slice(0, 100), 300, (point) => point.value)).toHaveLength(100);
  });
});
