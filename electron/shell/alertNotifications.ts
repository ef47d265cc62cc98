// Desktop notifications for the fleet's alerts: which alert deltas notify (a newly raised alert of
// a kind an admin must see; not a message update of one already shown), with what title, and the
// page a click opens: the host for host-wide alerts, the guest for a guest's.
import { desktopRoutes } from '../../shared/api/desktopApi';
import type { Alert, AlertKind, FleetDelta } from '../../shared/api/fleetState';

/** The app id: electron-builder's appId, and the AppUserModelID Windows shows notifications for. */
export const DESKTOP_APP_ID = 'org.vfleet.desktop';

export interface AlertNotice {
  title: string;
  body: string;
  /** The hash route a click on the notification opens. */
  route: string;
}

const TITLES: Record<AlertKind, (alert: Alert) => string> = {
  hostUnreachable: (alert) => `${alert.host} is unreachable`,
  guestStoppedUnexpectedly: (alert) => `${alert.guest} on ${alert.host} stopped unexpectedly`,
  memoryLimitHit: (alert) => `${alert.guest} on ${alert.host} hit its memory limit`,
  processLimitHit: (alert) => `${alert.guest} on ${alert.host} hit its process limit`,
  diskLow: (alert) => `${alert.host} is low on guest disk space`,
  replicaSyncFailed: (alert) => `${alert.guest} on ${alert.host}: its replica's sync failed`,
  replicaStale: (alert) => `${alert.guest} on ${alert.host}: its replica is stale`,
};

/** The page that shows what an alert is about. */
export function alertRoute(alert: Alert): string {
  return alert.guest === undefined ? desktopRoutes.host(alert.host) : desktopRoutes.guest(alert.host, alert.guest);
}

/** Follows the fleet feed; notice() answers the notification a delta calls for, once per alert while it stays open. */
export class AlertNotifier {
  private readonly shown = new Set<string>();

  notice(delta: FleetDelta): AlertNotice | undefined {
    if (delta.type === 'alertCleared') {
      this.shown.delete(delta.id);
      return undefined;
    }
    if (delta.type !== 'alert' || this.shown.has(delta.alert.id)) return undefined;
    this.shown.add(delta.alert.id);
    return { title: TITLES[delta.alert.kind](delta.alert), body: delta.alert.message, route: alertRoute(delta.alert) };
  }
}
