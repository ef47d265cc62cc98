// One model of the fleet: per host its registry entry, connection, agent, info, guests and health.
// Inputs come from the registry, the SSH connections and the agents' events; every change goes out
// as a delta to subscribers, so no view ever polls a host. Which of these changes raise an alert
// is alertRules' call.
import type { MigrationProgress } from '../../../shared/api/migration';
import type { HealthHistory, HealthPoint } from '../../../shared/api/health';
import type { Host } from '../../../shared/api/hosts';
import type {
  AlertThresholds, FleetDelta, FleetSnapshot, FleetSummary, GuestView, HostHealth, HostStatus, HostView,
} from '../../../shared/api/fleetState';
import type { UnreadableGuest } from '../../../shared/domain/guest';
import type { AgentEventData } from '../../../shared/protocol/events';
import type { GuestConfig, GuestStatus, HostSample } from '../../../shared/domain/guest';
import type { HostSync } from '../agent/hostSession';
import type { ConnectionStatus } from '../ssh/sshConnection';
import { hostFailureMessage } from '../ssh/sshErrors';
import { AlertRules, type ReplicaFacts } from './alertRules';
import { summarizeFleet } from './fleetSummary';
import { DEFAULT_HISTORY_LIMITS, HealthHistoryBuffer, type HealthHistoryLimits } from './healthHistory';

/** How the agent starts the error of a guest whose configuration it cannot read (not its counters). */
const CONFIGURATION_UNREADABLE = 'configuration unreadable';
/** How long after a migration's switch (or rollback) a stop of its guest counts as asked for: its final sync, start and commit. */
const MIGRATION_STOP_WINDOW_MS = 600_000;

interface GuestRecord {
  view: GuestView;
  history: HealthHistoryBuffer;
  lastCpuUsec?: number;
  lastCpuTime?: number;
}

interface HostRecord {
  status: HostStatus;
  guests: Map<string, GuestRecord>;
  history: HealthHistoryBuffer;
}

export type DeltaListener = (delta: FleetDelta) => void;

export interface FleetStateOptions {
  thresholds?: Partial<AlertThresholds>;
  historyLimits?: HealthHistoryLimits;
  now?: () => number;
}

export class FleetState {
  private readonly hosts = new Map<string, HostRecord>();
  private readonly listeners = new Set<DeltaListener>();
  private readonly alerts: AlertRules;
  private readonly historyLimits: HealthHistoryLimits;
  private readonly now: () => number;
  private lastSummary = '';
  /** Set while a sync applies a host's guests: one summary for the whole sync, not one per guest. */
  private summaryDeferred = false;

  constructor(options: FleetStateOptions = {}) {
    this.historyLimits = options.historyLimits ?? DEFAULT_HISTORY_LIMITS;
    this.now = options.now ?? Date.now;
    this.alerts = new AlertRules({
      ...(options.thresholds ? { thresholds: options.thresholds } : {}),
      now: this.now,
      onRaise: (alert) => this.emit({ type: 'alert', alert }),
      onClear: (id) => this.emit({ type: 'alertCleared', id }),
    });
  }

  /** The alert thresholds from now on (settings.update). */
  setThresholds(thresholds: AlertThresholds): void {
    this.alerts.setThresholds(thresholds);
  }

  /** A migration's phase and figures, passed to subscribers as they are (the state keeps none of it). */
  migrationProgress(progress: MigrationProgress): void {
    // The coordinator stops (or freezes, then kills) the source from the switch on, and a rollback stops the target's copy.
    if (progress.phase === 'switching') this.expectStop(progress.host, progress.guest, MIGRATION_STOP_WINDOW_MS);
    if (progress.phase === 'rollingBack') this.expectStop(progress.to, progress.guest, MIGRATION_STOP_WINDOW_MS);
    this.emit({ type: 'migration', progress });
  }

  subscribe(listener: DeltaListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  snapshot(): FleetSnapshot {
    const hosts = [...this.hosts.values()].map(viewOf);
    return { hosts, summary: summarizeFleet(hosts), alerts: this.alerts.list() };
  }

  host(name: string): HostView | undefined {
    const record = this.hosts.get(name);
    return record ? viewOf(record) : undefined;
  }

  guest(host: string, guest: string): GuestView | undefined {
    return this.hosts.get(host)?.guests.get(guest)?.view;
  }

  history(host: string, guest?: string): HealthHistory | undefined {
    const record = this.hosts.get(host);
    if (!record) return undefined;
    return guest === undefined ? record.history.snapshot() : record.guests.get(guest)?.history.snapshot();
  }

  /** Adds or updates a host from its registry entry. */
  upsertHost(host: Host): void {
    const record = this.hosts.get(host.name);
    const fromRegistry = {
      name: host.name, address: host.address, port: host.port, user: host.user, tags: host.tags, trust: host.trust.state,
      ...(host.trust.offered && host.trust.state !== 'trusted' ? { offeredFingerprint: host.trust.offered.fingerprint } : {}),
    };
    if (!record) {
      this.hosts.set(host.name, { status: { ...fromRegistry, connection: 'disconnected' }, guests: new Map(), history: new HealthHistoryBuffer('host', this.historyLimits) });
    } else {
      const { offeredFingerprint: _dropped, ...previous } = record.status;
      record.status = { ...previous, ...fromRegistry };
    }
    this.emitHost(host.name);
  }

  removeHost(name: string): void {
    const record = this.hosts.get(name);
    if (!record) return;
    this.hosts.delete(name);
    this.alerts.forget(name);
    this.emit({ type: 'hostRemoved', host: name });
    this.emitSummary();
  }

  setConnection(name: string, connection: ConnectionStatus): void {
    const record = this.hosts.get(name);
    if (!record) return;
    const { error: _error, nextAttemptAt: _next, ...rest } = record.status;
    record.status = {
      ...rest,
      connection: connection.state,
      ...(connection.error !== undefined ? { error: hostFailureMessage(name, connection.error) } : {}),
      ...(connection.nextAttemptAt !== undefined ? { nextAttemptAt: connection.nextAttemptAt } : {}),
    };
    this.alerts.connectionChanged(name, connection, () => {
      const now = this.hosts.get(name)?.status;
      return now && { state: now.connection, ...(now.error !== undefined ? { error: now.error } : {}) };
    });
    this.emitHost(name);
  }

  /** Why the agent of a connected host is not ready; undefined clears it. */
  setAgentError(name: string, message: string | undefined): void {
    const record = this.hosts.get(name);
    if (!record) return;
    const { agentError: _previous, ...rest } = record.status;
    record.status = message === undefined ? rest : { ...rest, agentError: message };
    this.emitHost(name);
  }

  /** A fresh view of a host's agent: info and every guest, replacing what was known. */
  applySync(name: string, sync: HostSync): void {
    const record = this.hosts.get(name);
    if (!record) return;
    const { agentError: _cleared, ...withoutError } = record.status;
    record.status = {
      ...withoutError,
      info: sync.info,
      agent: { version: sync.hello.agentVersion, file: sync.deployment.file, uploaded: sync.deployment.uploaded, driver: sync.hello.driver, features: sync.hello.features },
      syncedAt: this.now(),
    };
    const baseline = new Map(sync.baseline.map((status) => [status.name, status]));
    const seen = new Set<string>();
    this.summaryDeferred = true;
    try {
      for (const entry of sync.guests) {
        seen.add(entry.config.name);
        this.applyGuestStatus(name, baseline.get(entry.config.name) ?? entry.status, entry.config);
      }
      for (const status of sync.baseline) {
        if (!seen.has(status.name)) {
          seen.add(status.name);
          this.applyGuestStatus(name, status);
        }
      }
      for (const guest of sync.unreadable ?? []) {
        seen.add(guest.name);
        this.markMisconfigured(name, guest);
      }
      for (const guest of [...record.guests.keys()]) if (!seen.has(guest)) this.removeGuest(name, guest);
    } finally {
      this.summaryDeferred = false;
    }
    this.emitHost(name);
  }

  /** A guest's status as an action or a sync returned it. */
  applyGuestStatus(hostName: string, status: GuestStatus, config?: GuestConfig): void {
    const record = this.hosts.get(hostName);
    if (!record) return;
    const existing = record.guests.get(status.name);
    const previousState = existing?.view.state;
    const { misconfigured: _readableAgain, ...known } = existing?.view ?? { host: hostName };
    const view: GuestView = {
      ...known,
      host: hostName,
      name: status.name,
      xid: status.xid,
      state: status.state,
      processes: status.processes,
      ...(config ? { config } : {}),
    };
    delete view.initPid;
    delete view.startedAt;
    if (status.initPid !== undefined) view.initPid = status.initPid;
    if (status.state === 'running' && status.uptimeMs !== undefined) view.startedAt = this.now() - status.uptimeMs;
    if (existing) existing.view = view;
    else record.guests.set(status.name, { view, history: new HealthHistoryBuffer('guest', this.historyLimits) });
    this.alerts.guestStateChanged(hostName, status.name, previousState, status.state);
    this.emit({ type: 'guest', guest: view });
    this.emitSummary();
  }

  /** A guestState event pushed by the agent; returns false when the guest is new to this core. */
  applyGuestEvent(hostName: string, event: AgentEventData<'guestState'>): boolean {
    const record = this.hosts.get(hostName);
    if (!record) return true;
    if (event.state === 'deleted') {
      this.removeGuest(hostName, event.name);
      return true;
    }
    const existing = record.guests.get(event.name);
    // A misconfigured guest with a state again was repaired: its configuration comes with the list.
    if (!existing || existing.view.misconfigured !== undefined) return false;
    this.applyGuestStatus(hostName, {
      name: event.name,
      xid: event.xid,
      state: event.state,
      processes: event.state === 'running' ? existing.view.processes : 0,
      ...(event.initPid !== undefined ? { initPid: event.initPid } : {}),
      ...(event.state === 'running' ? { uptimeMs: Math.max(0, this.now() - event.time) } : {}),
    });
    return true;
  }

  removeGuest(hostName: string, guest: string): void {
    const record = this.hosts.get(hostName);
    if (!record?.guests.delete(guest)) return;
    this.alerts.forget(hostName, guest);
    this.emit({ type: 'guestRemoved', host: hostName, guest });
    this.emitSummary();
  }

  /** The replications as the core just listed them, for the replica alerts (inventory/alertRules.ts). */
  replicasSeen(replicas: readonly ReplicaFacts[]): void {
    this.alerts.replicasSeen(replicas);
  }

  /** Marks a stop this core asked for, so it does not raise "stopped unexpectedly". */
  expectStop(host: string, guest: string, withinMs = 120_000): () => void {
    return this.alerts.expectStop(host, guest, withinMs);
  }

  /** A guest the agent lists by name only, with why its configuration cannot be read. */
  private markMisconfigured(hostName: string, guest: UnreadableGuest): void {
    const record = this.hosts.get(hostName);
    if (!record) return;
    const existing = record.guests.get(guest.name);
    if (existing?.view.misconfigured === guest.error) return;
    const view: GuestView = existing
      ? { ...existing.view, misconfigured: guest.error }
      : { host: hostName, name: guest.name, xid: 0, state: 'stopped', processes: 0, misconfigured: guest.error };
    if (existing) existing.view = view;
    else record.guests.set(guest.name, { view, history: new HealthHistoryBuffer('guest', this.historyLimits) });
    this.emit({ type: 'guest', guest: view });
    this.emitSummary();
  }

  /** Returns false when a sample shows a misconfigured guest readable again, so the list should be read. */
  applyHealthSample(hostName: string, sample: HostSample & { unreadable?: UnreadableGuest[] }): boolean {
    const record = this.hosts.get(hostName);
    if (!record) return true;
    for (const guest of sample.unreadable ?? []) {
      if (guest.error.startsWith(CONFIGURATION_UNREADABLE)) this.markMisconfigured(hostName, guest);
    }
    const repaired = sample.guests.some((guestSample) => record.guests.get(guestSample.name)?.view.misconfigured !== undefined);
    const time = this.now();
    const cpus = record.status.info?.cpus ?? 1;
    const health: HostHealth = {
      time, cpu: sample.cpuBusyFraction, cpus, memoryTotal: sample.memoryTotal, memoryUsed: Math.max(0, sample.memoryTotal - sample.memoryAvailable),
      load: sample.load, diskTotal: sample.diskTotal, diskFree: sample.diskFree,
    };
    record.status = { ...record.status, health };
    const hostPoint: HealthPoint = {
      time, cpu: health.cpu, memoryBytes: health.memoryUsed, load: health.load[0], diskUsedBytes: Math.max(0, health.diskTotal - health.diskFree),
    };
    record.history.record(hostPoint);
    this.alerts.diskSampled(hostName, sample.diskFree, sample.diskTotal);

    const guestPoints: Array<{ name: string; point: HealthPoint }> = [];
    for (const guestSample of sample.guests) {
      const guest = record.guests.get(guestSample.name);
      if (!guest) continue;
      const cpu = guest.lastCpuUsec !== undefined && guest.lastCpuTime !== undefined && time > guest.lastCpuTime && guestSample.cpuUsageUsec >= guest.lastCpuUsec
        ? (guestSample.cpuUsageUsec - guest.lastCpuUsec) / ((time - guest.lastCpuTime) * 1000 * cpus)
        : 0;
      const previous = guest.view;
      guest.lastCpuUsec = guestSample.cpuUsageUsec;
      guest.lastCpuTime = time;
      guest.view = {
        ...previous, cpu, memoryBytes: guestSample.rssBytes, processes: guestSample.processes,
        memoryHits: guestSample.memoryHits, processesHits: guestSample.processesHits, oomKills: guestSample.oomKills,
      };
      this.alerts.guestSampled(hostName, previous, guest.view);
      const point: HealthPoint = { time, cpu, memoryBytes: guestSample.rssBytes, processes: guestSample.processes };
      guest.history.record(point);
      guestPoints.push({ name: guestSample.name, point });
    }
    this.emit({ type: 'health', host: hostName, point: hostPoint, guests: guestPoints });
    this.emit({ type: 'host', host: record.status });
    this.emitSummary();
    return !repaired;
  }

  private emitHost(name: string): void {
    const record = this.hosts.get(name);
    if (record) this.emit({ type: 'host', host: record.status });
    this.emitSummary();
  }

  private emitSummary(): void {
    if (this.summaryDeferred) return;
    const summary: FleetSummary = summarizeFleet([...this.hosts.values()].map(viewOf));
    const text = JSON.stringify(summary);
    if (text === this.lastSummary) return;
    this.lastSummary = text;
    this.emit({ type: 'summary', summary });
  }

  private emit(delta: FleetDelta): void {
    for (const listener of this.listeners) listener(delta);
  }
}

function viewOf(record: HostRecord): HostView {
  return { ...record.status, guests: [...record.guests.values()].map((guest) => guest.view) };
}
