// Active alerts (critical first), each linking to the host or guest it concerns; the full form
// also lists the alerts cleared while the page was open.
import { routeHref } from '../../app/routes';
import { useAlerts, useClearedAlerts } from '../../store/useFleet';
import { formatAgo, formatClock } from '../../widgets/format';
import { EmptyState } from '../../widgets/Notice';
import { SeverityBadge } from '../../widgets/StateBadge';
import { useNow } from '../../widgets/useNow';
import type { Alert } from '../../../../shared/api/fleetState';

function alertHref(alert: Alert): string {
  return routeHref(alert.guest ? { view: 'guest', host: alert.host, guest: alert.guest } : { view: 'host', host: alert.host });
}

export function AlertList({ compact = false }: { compact?: boolean }) {
  const alerts = useAlerts();
  const cleared = useClearedAlerts();
  const now = useNow(5_000);
  if (compact && alerts.length === 0) return null;
  return (
    <section className="panel" aria-label="Active alerts">
      <h2>Active alerts {alerts.length > 0 ? <span className="muted">({alerts.length})</span> : null}</h2>
      {alerts.length === 0 ? (
        <EmptyState title="No active alerts">Unreachable hosts, guests that stopped unexpectedly, limit hits and low disk show here.</EmptyState>
      ) : (
        <ul className="alert-list">
          {alerts.map((alert) => (
            <li key={alert.id} className={`alert-item severity-${alert.severity}`}>
              <SeverityBadge severity={alert.severity} />
              <a href={alertHref(alert)}>{alert.guest ? `${alert.host}/${alert.guest}` : alert.host}</a>
              <span className="alert-message">{alert.message}</span>
              <span className="muted" title={new Date(alert.since).toISOString()}>since {formatAgo(alert.since, now)}</span>
            </li>
          ))}
        </ul>
      )}
      {!compact && cleared.length > 0 ? (
        <>
          <h3>Cleared while this page was open</h3>
          <ul className="alert-list cleared">
            {cleared.map((alert) => (
              <li key={`${alert.id}@${alert.clearedAt}`} className="alert-item">
                <span className="badge tone-muted">cleared</span>
                <a href={alertHref(alert)}>{alert.guest ? `${alert.host}/${alert.guest}` : alert.host}</a>
                <span className="alert-message">{alert.message}</span>
                <span className="muted">{formatClock(alert.since)} – {formatClock(alert.clearedAt)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
