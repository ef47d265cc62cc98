// What the "Create a guest" form shows beside its fields: the target host's free resources and
// the fleet's conflicts with the identity typed (refusals and warnings).
import type { HostStatus } from '../../../../shared/api/fleetState';
import type { GuestConflict } from '../../../../shared/api/guestConflicts';
import { formatBytes, formatPercent } from '../../widgets/format';

export function hostLine(host: HostStatus): string {
  const health = host.health;
  if (host.connection !== 'connected') return `${host.name} (${host.connection})`;
  if (!health) return host.name;
  return `${host.name}: ${formatBytes(health.memoryTotal - health.memoryUsed)} memory free, ${formatBytes(health.diskFree)} disk free`;
}

export function HostFacts({ host }: { host: HostStatus | undefined }) {
  if (!host) return null;
  const health = host.health;
  if (host.connection !== 'connected' || !health) {
    return <p className="field-error">{host.name} is {host.connection}: connect it before building a guest there.</p>;
  }
  return (
    <dl className="facts" aria-label={`Resources of ${host.name}`}>
      <div><dt>Memory free</dt><dd>{formatBytes(health.memoryTotal - health.memoryUsed)} of {formatBytes(health.memoryTotal)}</dd></div>
      <div><dt>CPU</dt><dd>{formatPercent(health.cpu)} busy{host.info ? ` of ${host.info.cpus} CPUs` : ''}</dd></div>
      <div><dt>Guest disk free</dt><dd>{formatBytes(health.diskFree)} of {formatBytes(health.diskTotal)}{host.info ? <> in <span className="mono">{host.info.guestBase}</span></> : null}</dd></div>
    </dl>
  );
}

export function ConflictList({ conflicts, tone }: { conflicts: readonly GuestConflict[]; tone: 'refusal' | 'warning' }) {
  if (conflicts.length === 0) return null;
  return (
    <ul className={`conflicts conflicts-${tone}`} aria-label={tone === 'refusal' ? 'Refusals' : 'Warnings'}>
      {conflicts.map((conflict) => <li key={`${conflict.kind}:${conflict.value}:${conflict.holder.host}/${conflict.holder.guest ?? ''}`}>{conflict.message}</li>)}
    </ul>
  );
}
