// The alert policy: which fleet conditions raise an alert, how severe it is and when it clears.
// FleetState reports what it saw; the rules here decide, so a new rule is an edit here only.
import { formatBytes } from '../../../shared/format/byteSize';
import type { Alert, AlertKind, AlertSeverity, AlertThresholds, GuestView } from '../../../shared/api/fleetState';
import type { ConnectionState } from '../ssh/sshConnection';
import { AlertBook, alertId } from './fleetAlerts';

/** A host's connection as the fleet state shows it: its state and, when down, the admin's words for why. */
export interface ShownConnection {
  state: ConnectionState;
  error?: string;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = { diskFreeFraction: 0.1, limitQuietMs: 60_000, unreachableGraceMs: 0 };

/** What each kind of alert knows; its message is composed from these facts, never written at the call. */
export type AlertFacts =
  | { kind: 'hostUnreachable'; host: string; guest?: undefined; cause?: string }
  | { kind: 'guestStoppedUnexpectedly'; host: string; guest: string }
  | { kind: 'memoryLimitHit'; host: string; guest: string; memoryHits: number; oomKills: number }
  | { kind: 'processLimitHit'; host: string; guest: string; processesHits: number }
  | { kind: 'diskLow'; host: string; guest?: undefined; diskFree: number; diskTotal: number }
  | { kind: 'replicaSyncFailed'; host: string; guest: string; to: string; error: string }
  | { kind: 'replicaStale'; host: string; guest: string; to: string; ageMs?: number; intervalMs: number };

/** What the replica rules read of one replication (shared/api/replication.ts's ReplicaView). */
export interface ReplicaFacts {
  host: string;
  guest: string;
  to: string;
  role?: string;
  stale: boolean;
  ageMs?: number;
  intervalMs: number;
  lastAttempt?: { result: 'ok' | 'failed'; error?: string };
}

const REPLICA_KINDS: readonly AlertKind[] = ['replicaSyncFailed', 'replicaStale'];

const SEVERITY: Record<AlertKind, AlertSeverity> = {
  hostUnreachable: 'critical',
  guestStoppedUnexpectedly: 'critical',
  memoryLimitHit: 'warning',
  processLimitHit: 'warning',
  diskLow: 'warning',
  replicaSyncFailed: 'warning',
  replicaStale: 'warning',
};

export function alertMessage(facts: AlertFacts): string {
  switch (facts.kind) {
    case 'hostUnreachable':
      // The connection's own error already names the host and says why.
      return facts.cause ?? `Host ${facts.host} is unreachable`;
    case 'guestStoppedUnexpectedly':
      return `Host ${facts.host}, guest ${facts.guest}: stopped without vfleet asking (crash, host reboot or an admin on the host)`;
    case 'memoryLimitHit':
      return `Host ${facts.host}, guest ${facts.guest}: hit its memory limit (${facts.memoryHits} times, ${facts.oomKills} processes killed)`;
    case 'processLimitHit':
      return `Host ${facts.host}, guest ${facts.guest}: hit its process limit (${facts.processesHits} refused forks)`;
    case 'diskLow': {
      const percent = ((facts.diskFree / facts.diskTotal) * 100).toFixed(1);
      return `Host ${facts.host}: the guest base has only ${percent}% free (${formatBytes(facts.diskFree, 'iec')} of ${formatBytes(facts.diskTotal, 'iec')})`;
    }
    case 'replicaSyncFailed':
      return `Host ${facts.host}, guest ${facts.guest}: the last sync of its replica on ${facts.to} failed: ${facts.error}`;
    case 'replicaStale':
      return `Host ${facts.host}, guest ${facts.guest}: its replica on ${facts.to} is ${facts.ageMs === undefined ? 'not synced yet' : `${Math.round(facts.ageMs / 1000)} s old`}, more than three intervals of ${Math.round(facts.intervalMs / 1000)} s`;
  }
}

export function alertOf(facts: AlertFacts): Omit<Alert, 'id' | 'since'> {
  return {
    kind: facts.kind, host: facts.host, ...(facts.guest !== undefined ? { guest: facts.guest } : {}),
    severity: SEVERITY[facts.kind], message: alertMessage(facts),
  };
}

export interface AlertRulesOptions {
  thresholds?: Partial<AlertThresholds>;
  now: () => number;
  onRaise: (alert: Alert) => void;
  onClear: (id: string) => void;
}

export class AlertRules {
  private readonly book: AlertBook;
  private thresholds: AlertThresholds;
  private readonly now: () => number;
  /** Guests this core is stopping on purpose (host/guest → until when), so no "unexpected stop" alert. */
  private readonly expectedStops = new Map<string, number>();
  /** When each guest last hit a limit, to clear the alert after a quiet period. */
  private readonly lastLimitHit = new Map<string, number>();
  private readonly unreachableTimers = new Map<string, NodeJS.Timeout>();

  constructor(options: AlertRulesOptions) {
    this.thresholds = { ...DEFAULT_ALERT_THRESHOLDS, ...options.thresholds };
    this.now = options.now;
    this.book = new AlertBook(options.onRaise, options.onClear);
  }

  list(): Alert[] {
    return this.book.list();
  }

  /** New thresholds, for every condition judged from now on (the next sample, the next lost host). */
  setThresholds(thresholds: AlertThresholds): void {
    this.thresholds = { ...thresholds };
  }

  /** `current` reads the host's connection when a grace period ends: only a host still unreachable raises. */
  connectionChanged(host: string, connection: Pick<ShownConnection, 'state'>, current: () => ShownConnection | undefined): void {
    if (connection.state === 'unreachable') this.scheduleUnreachable(host, current);
    else if (connection.state === 'connected' || connection.state === 'disconnected') {
      this.cancelUnreachable(host);
      this.book.clear('hostUnreachable', host);
    }
  }

  /** Marks a stop this core asked for, so it does not raise "stopped unexpectedly". */
  expectStop(host: string, guest: string, withinMs: number): () => void {
    const key = `${host}/${guest}`;
    this.expectedStops.set(key, this.now() + withinMs);
    return () => { this.expectedStops.delete(key); };
  }

  guestStateChanged(host: string, guest: string, previous: string | undefined, next: string): void {
    if (next === 'running') {
      this.book.clear('guestStoppedUnexpectedly', host, guest);
      return;
    }
    if (previous !== 'running') return;
    const expectedUntil = this.expectedStops.get(`${host}/${guest}`);
    if (expectedUntil !== undefined && expectedUntil >= this.now()) return;
    this.raise({ kind: 'guestStoppedUnexpectedly', host, guest });
  }

  /** A guest's counters before and after a health sample: a counter that grew is a limit hit. */
  guestSampled(host: string, before: GuestView, after: GuestView): void {
    const grew = (key: 'memoryHits' | 'processesHits' | 'oomKills'): boolean => (after[key] ?? 0) > (before[key] ?? after[key] ?? 0);
    const guest = after.name;
    this.limitRule({ kind: 'memoryLimitHit', host, guest, memoryHits: after.memoryHits ?? 0, oomKills: after.oomKills ?? 0 }, grew('memoryHits') || grew('oomKills'));
    this.limitRule({ kind: 'processLimitHit', host, guest, processesHits: after.processesHits ?? 0 }, grew('processesHits'));
  }

  diskSampled(host: string, diskFree: number, diskTotal: number): void {
    if (diskTotal <= 0) return;
    if (diskFree / diskTotal < this.thresholds.diskFreeFraction) this.raise({ kind: 'diskLow', host, diskFree, diskTotal });
    else this.book.clear('diskLow', host);
  }

  /**
   * Every replication as the core just listed it: a failed last sync (as its source reported it) and
   * a standby replica older than three intervals raise; the others, and replications gone, clear.
   */
  replicasSeen(replicas: readonly ReplicaFacts[]): void {
    const open = new Set<string>();
    for (const replica of replicas) {
      const { host, guest, to } = replica;
      if (replica.lastAttempt?.result === 'failed') {
        this.raise({ kind: 'replicaSyncFailed', host, guest, to, error: replica.lastAttempt.error ?? 'no reason given' });
        open.add(alertId('replicaSyncFailed', host, guest));
      } else if (replica.lastAttempt?.result === 'ok') {
        this.book.clear('replicaSyncFailed', host, guest);
      } else if (this.book.has(alertId('replicaSyncFailed', host, guest))) {
        // The source did not answer: what it last said stands.
        open.add(alertId('replicaSyncFailed', host, guest));
      }
      if (replica.stale && replica.role === 'replica') {
        this.raise({ kind: 'replicaStale', host, guest, to, ...(replica.ageMs !== undefined ? { ageMs: replica.ageMs } : {}), intervalMs: replica.intervalMs });
        open.add(alertId('replicaStale', host, guest));
      }
    }
    for (const alert of this.book.list()) {
      if (REPLICA_KINDS.includes(alert.kind) && !open.has(alert.id)) this.book.clear(alert.kind, alert.host, alert.guest);
    }
  }

  /** A host left the fleet or a guest was deleted: its alerts and pending timers go with it. */
  forget(host: string, guest?: string): void {
    if (guest === undefined) this.cancelUnreachable(host);
    this.book.clearAllOf(host, guest);
  }

  private raise(facts: AlertFacts): void {
    this.book.raise(alertOf(facts), this.now());
  }

  private limitRule(facts: Extract<AlertFacts, { kind: 'memoryLimitHit' | 'processLimitHit' }>, hit: boolean): void {
    const key = alertId(facts.kind, facts.host, facts.guest);
    const now = this.now();
    if (hit) {
      this.lastLimitHit.set(key, now);
      this.raise(facts);
      return;
    }
    const last = this.lastLimitHit.get(key);
    if (last !== undefined && now - last >= this.thresholds.limitQuietMs) {
      this.lastLimitHit.delete(key);
      this.book.clear(facts.kind, facts.host, facts.guest);
    }
  }

  private scheduleUnreachable(host: string, current: () => ShownConnection | undefined): void {
    const raise = (): void => {
      this.unreachableTimers.delete(host);
      const connection = current();
      if (connection?.state !== 'unreachable') return;
      this.raise({ kind: 'hostUnreachable', host, ...(connection.error !== undefined ? { cause: connection.error } : {}) });
    };
    if (this.thresholds.unreachableGraceMs === 0) raise();
    else if (!this.unreachableTimers.has(host)) this.unreachableTimers.set(host, setTimeout(raise, this.thresholds.unreachableGraceMs));
  }

  private cancelUnreachable(host: string): void {
    clearTimeout(this.unreachableTimers.get(host));
    this.unreachableTimers.delete(host);
  }
}
