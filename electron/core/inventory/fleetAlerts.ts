// Open alerts, keyed so that one condition raises one alert however often it is seen again.
import type { Alert, AlertKind } from '../../../shared/api/fleetState';

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

  /** Opens an alert, or updates its message; `since` stays the time the condition first appeared. */
  raise(alert: Omit<Alert, 'id' | 'since'>, now = Date.now()): void {
    const id = alertId(alert.kind, alert.host, alert.guest);
    const existing = this.open.get(id);
    if (existing && existing.message === alert.message) return;
    const opened: Alert = { id, ...alert, since: existing?.since ?? now };
    this.open.set(id, opened);
    this.onRaise(opened);
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
