// Open alerts, keyed so that one condition raises one alert however often it is seen again.
import type { Alert, AlertKind, AlertThresholds } from '../../../shared/api/fleetState';

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = { diskFreeFraction: 0.1, limitQuietMs: 60_000, unreachableGraceMs: 0 };

export function alertId(kind: AlertKind, host: string, guest?: string): string {
  return guest === undefined ? `${kind}:${host}` : `${kind}:${host}:${guest}`;
}

export class AlertBook {
  private readonly open = new Map<string, Alert>();

  constructor(private readonly onRaise: (alert: Alert) => void, private readonly onClear: (id: string) => void) {}

  list(): Alert[] {
    return [...this.open.values()];
  }

  has(id: string): boolean {
    return this.open.has(id);
  }

  raise(kind: AlertKind, host: string, message: string, guest?: string, now = Date.now()): void {
    const id = alertId(kind, host, guest);
    const existing = this.open.get(id);
    if (existing && existing.message === message) return;
    const alert: Alert = { id, kind, host, message, since: existing?.since ?? now, ...(guest !== undefined ? { guest } : {}) };
    this.open.set(id, alert);
    this.onRaise(alert);
  }

  clear(kind: AlertKind, host: string, guest?: string): void {
    const id = alertId(kind, host, guest);
    if (this.open.delete(id)) this.onClear(id);
  }

  /** Clears every alert of a host (removed) or of one of its guests (deleted). */
  clearAllOf(host: string, guest?: string): void {
    for (const alert of [...this.open.values()]) {
      if (alert.host === host && (guest === undefined || alert.guest === guest)) this.clear(alert.kind, alert.host, alert.guest);
    }
  }
}
