// The renderer's copy of the fleet: the core's snapshot with its deltas applied in order (nothing
// is polled), plus bounded live series fed by the health deltas. Listeners subscribe to topics
// (one host, one guest, the guest list, one series...) and each batch of deltas notifies every
// changed topic once, so a delta for one guest re-renders only what shows that guest.
import type { Alert, FleetDelta, FleetSnapshot, FleetSummary, GuestView, HostStatus } from '../../../shared/api/fleetState';
import type { HealthPoint } from '../../../shared/api/health';
import { FINAL_MIGRATION_PHASES, type MigrationPhase, type MigrationProgress } from '../../../shared/api/migration';
import { markSnapshot } from '../app/performanceMarks';
import { compareText } from '../widgets/format';
import { LiveSeries } from './liveSeries';

export const HOST_SERIES_FIELDS = ['cpu', 'memoryBytes', 'load', 'diskUsedBytes'] as const;
export const GUEST_SERIES_FIELDS = ['cpu', 'memoryBytes', 'processes'] as const;
export type HostSeriesField = (typeof HOST_SERIES_FIELDS)[number];
export type GuestSeriesField = (typeof GUEST_SERIES_FIELDS)[number];
export type HostSeries = LiveSeries<HostSeriesField>;
export type GuestSeries = LiveSeries<GuestSeriesField>;

/** Samples kept per series: 15 minutes at the core's default 1 Hz (its own live window is 16). */
export const HOST_SERIES_CAPACITY = 900;
export const GUEST_SERIES_CAPACITY = 600;
const CLEARED_ALERTS_KEPT = 200;
/** Migrations kept once finished (the journal keeps them all: migrations.list). */
const FINISHED_MIGRATIONS_KEPT = 100;

/** A migration as the feed told it: its latest progress, and when each phase was first reported. */
export interface MigrationTrack {
  progress: MigrationProgress;
  /** Phase -> the time (workstation clock) its first delta carried. */
  phases: Partial<Record<MigrationPhase, number>>;
  /** The first delta's time. */
  firstSeen: number;
  /** The last transfer rate rsync reported (deltas between its progress lines carry none). */
  lastRateBytesPerSecond?: number;
}

export function migrationFinished(track: MigrationTrack): boolean {
  return FINAL_MIGRATION_PHASES.includes(track.progress.phase);
}

export interface ClearedAlert extends Alert {
  clearedAt: number;
}

/** A host's health point as its series keeps it (a figure the core left out is NaN: a gap in its chart). */
export function hostSeriesValues(point: HealthPoint): Record<HostSeriesField, number> {
  return { cpu: point.cpu, memoryBytes: point.memoryBytes, load: point.load ?? Number.NaN, diskUsedBytes: point.diskUsedBytes ?? Number.NaN };
}

export function guestKey(host: string, guest: string): string {
  return `${host}/${guest}`;
}

type Listener = () => void;

export class FleetStore {
  private loaded = false;
  private readonly hosts = new Map<string, HostStatus>();
  private readonly guests = new Map<string, GuestView>();
  private readonly hostSeries = new Map<string, HostSeries>();
  private readonly guestSeries = new Map<string, GuestSeries>();
  private summary: FleetSummary | undefined;
  private readonly alerts = new Map<string, Alert>();
  private cleared: ClearedAlert[] = [];
  private readonly listeners = new Map<string, Set<Listener>>();
  private dirty = new Set<string>();
  private hostList: HostStatus[] | undefined;
  private guestList: GuestView[] | undefined;
  /** Guest keys by host then name: sorted again only when a guest comes or goes, not when its figures change. */
  private guestOrder: string[] | undefined;
  private readonly hostGuestLists = new Map<string, GuestView[]>();
  private alertList: Alert[] | undefined;
  private readonly migrations = new Map<string, MigrationTrack>();
  private migrationList: MigrationTrack[] | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  subscribe(topic: string, listener: Listener): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(topic);
    };
  }

  isLoaded(): boolean {
    return this.loaded;
  }

  /** Every host in name order. */
  hostStatuses(): HostStatus[] {
    this.hostList ??= [...this.hosts.values()].sort((a, b) => compareText(a.name, b.name));
    return this.hostList;
  }

  host(name: string): HostStatus | undefined {
    return this.hosts.get(name);
  }

  /** Every guest of the fleet, by host then name. */
  guestViews(): GuestView[] {
    if (!this.guestList) {
      this.guestOrder ??= [...this.guests.values()]
        .sort((a, b) => compareText(a.host, b.host) || compareText(a.name, b.name))
        .map((guest) => guestKey(guest.host, guest.name));
      this.guestList = this.guestOrder.flatMap((key) => this.guests.get(key) ?? []);
    }
    return this.guestList;
  }

  guestsOf(host: string): GuestView[] {
    let list = this.hostGuestLists.get(host);
    if (!list) {
      list = this.guestViews().filter((guest) => guest.host === host);
      this.hostGuestLists.set(host, list);
    }
    return list;
  }

  guest(host: string, guest: string): GuestView | undefined {
    return this.guests.get(guestKey(host, guest));
  }

  fleetSummary(): FleetSummary | undefined {
    return this.summary;
  }

  /** Active alerts, critical first, newest first within a severity. */
  activeAlerts(): Alert[] {
    this.alertList ??= [...this.alerts.values()].sort((a, b) => (a.severity === b.severity ? b.since - a.since : a.severity === 'critical' ? -1 : 1));
    return this.alertList;
  }

  /** Alerts cleared while this page was open, newest first. */
  clearedAlerts(): ClearedAlert[] {
    return this.cleared;
  }

  /** Every migration the feed reported since this page loaded, newest first. */
  migrationTracks(): MigrationTrack[] {
    this.migrationList ??= [...this.migrations.values()].sort((a, b) => b.firstSeen - a.firstSeen);
    return this.migrationList;
  }

  /** The unfinished migration of this guest, whether it leaves this host or arrives on it. */
  activeMigrationOf(host: string, guest: string): MigrationTrack | undefined {
    return this.migrationTracks().find((track) => !migrationFinished(track) && track.progress.guest === guest && (track.progress.host === host || track.progress.to === host));
  }

  hostSeriesOf(host: string): HostSeries | undefined {
    return this.hostSeries.get(host);
  }

  guestSeriesOf(host: string, guest: string): GuestSeries | undefined {
    return this.guestSeries.get(guestKey(host, guest));
  }

  /** Replaces everything with a snapshot (the first, or the one after a reconnect); series are kept. */
  applySnapshot(snapshot: FleetSnapshot): void {
    const hostNames = new Set(snapshot.hosts.map((host) => host.name));
    for (const name of this.hosts.keys()) if (!hostNames.has(name)) this.forgetHost(name);
    const guestKeys = new Set<string>();
    for (const view of snapshot.hosts) {
      const { guests, ...status } = view;
      this.setHost(status);
      for (const guest of guests) {
        guestKeys.add(guestKey(guest.host, guest.name));
        this.setGuest(guest);
      }
    }
    for (const [key, guest] of this.guests) if (!guestKeys.has(key)) this.forgetGuest(guest.host, guest.name);
    this.summary = snapshot.summary;
    this.touch('summary');
    this.alerts.clear();
    for (const alert of snapshot.alerts) this.alerts.set(alert.id, alert);
    this.alertsChanged();
    this.loaded = true;
    this.touch('loaded');
    this.flush();
    markSnapshot();
  }

  applyDeltas(deltas: readonly FleetDelta[]): void {
    for (const delta of deltas) this.applyDelta(delta);
    this.flush();
  }

  private applyDelta(delta: FleetDelta): void {
    switch (delta.type) {
      case 'host':
        this.setHost(delta.host);
        return;
      case 'hostRemoved':
        this.forgetHost(delta.host);
        return;
      case 'guest':
        this.setGuest(delta.guest);
        return;
      case 'guestRemoved':
        this.forgetGuest(delta.host, delta.guest);
        return;
      case 'health':
        if (this.hosts.has(delta.host)) {
          let hostSeries = this.hostSeries.get(delta.host);
          if (!hostSeries) this.hostSeries.set(delta.host, (hostSeries = new LiveSeries(HOST_SERIES_FIELDS, HOST_SERIES_CAPACITY)));
          if (hostSeries.push(delta.point.time, hostSeriesValues(delta.point))) this.touch(`series:${delta.host}`);
        }
        for (const { name, point } of delta.guests) {
          const key = guestKey(delta.host, name);
          const guest = this.guests.get(key);
          if (!guest) continue;
          // The core updates a sampled guest's figures without a guest delta: the health delta carries them.
          this.setGuest({ ...guest, cpu: point.cpu, memoryBytes: point.memoryBytes, processes: point.processes ?? guest.processes });
          let series = this.guestSeries.get(key);
          if (!series) this.guestSeries.set(key, (series = new LiveSeries(GUEST_SERIES_FIELDS, GUEST_SERIES_CAPACITY)));
          if (series.push(point.time, { cpu: point.cpu, memoryBytes: point.memoryBytes, processes: point.processes ?? guest.processes })) this.touch(`series:${key}`);
        }
        return;
      case 'summary':
        this.summary = delta.summary;
        this.touch('summary');
        return;
      case 'alert':
        this.alerts.set(delta.alert.id, delta.alert);
        this.alertsChanged();
        return;
      case 'migration':
        this.trackMigration(delta.progress);
        return;
      case 'alertCleared': {
        const alert = this.alerts.get(delta.id);
        if (!alert) return;
        this.alerts.delete(delta.id);
        this.cleared = [{ ...alert, clearedAt: this.now() }, ...this.cleared].slice(0, CLEARED_ALERTS_KEPT);
        this.alertsChanged();
        return;
      }
    }
  }

  private trackMigration(progress: MigrationProgress): void {
    const known = this.migrations.get(progress.migration);
    const phases = known?.phases[progress.phase] !== undefined ? known.phases : { ...known?.phases, [progress.phase]: progress.time };
    const lastRate = progress.rateBytesPerSecond > 0 ? progress.rateBytesPerSecond : known?.lastRateBytesPerSecond;
    this.migrations.set(progress.migration, { progress, phases, firstSeen: known?.firstSeen ?? progress.time, ...(lastRate !== undefined ? { lastRateBytesPerSecond: lastRate } : {}) });
    const finished = [...this.migrations.values()].filter(migrationFinished).sort((a, b) => a.firstSeen - b.firstSeen);
    for (const track of finished.slice(0, Math.max(0, finished.length - FINISHED_MIGRATIONS_KEPT))) this.migrations.delete(track.progress.migration);
    this.migrationList = undefined;
    this.touch('migrations');
    this.touch(`migration:${guestKey(progress.host, progress.guest)}`);
    this.touch(`migration:${guestKey(progress.to, progress.guest)}`);
  }

  private setHost(status: HostStatus): void {
    const isNew = !this.hosts.has(status.name);
    this.hosts.set(status.name, status);
    this.hostList = undefined;
    this.touch('hosts');
    this.touch(`host:${status.name}`);
    if (isNew) this.guestsChanged(status.name);
  }

  private forgetHost(name: string): void {
    if (!this.hosts.delete(name)) return;
    for (const guest of [...this.guests.values()]) if (guest.host === name) this.forgetGuest(name, guest.name);
    this.hostSeries.delete(name);
    this.hostList = undefined;
    this.touch('hosts');
    this.touch(`host:${name}`);
  }

  private setGuest(guest: GuestView): void {
    const key = guestKey(guest.host, guest.name);
    if (!this.guests.has(key)) this.guestOrder = undefined;
    this.guests.set(key, guest);
    this.touch(`guest:${key}`);
    this.guestsChanged(guest.host);
  }

  private forgetGuest(host: string, guest: string): void {
    const key = guestKey(host, guest);
    if (!this.guests.delete(key)) return;
    this.guestOrder = undefined;
    this.guestSeries.delete(key);
    this.touch(`guest:${key}`);
    this.guestsChanged(host);
  }

  private guestsChanged(host: string): void {
    this.guestList = undefined;
    this.hostGuestLists.delete(host);
    this.touch('guests');
    this.touch(`guests:${host}`);
  }

  private alertsChanged(): void {
    this.alertList = undefined;
    this.touch('alerts');
  }

  private touch(topic: string): void {
    this.dirty.add(topic);
  }

  private flush(): void {
    const topics = this.dirty;
    this.dirty = new Set();
    for (const topic of topics) for (const listener of [...(this.listeners.get(topic) ?? [])]) listener();
  }
}
