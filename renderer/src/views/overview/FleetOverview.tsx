// The fleet overview: totals, active alerts, and every host with its connection, driver, kernel,
// guests and live CPU, memory and disk, searchable, filterable by state and tag, grouped by tag.
import { memo, useMemo, useState } from 'react';
import type { HostStatus } from '../../../../shared/api/fleetState';
import { routeHref } from '../../app/routes';
import { useHost, useHostGuests, useHostSeries, useHosts, useSummary } from '../../store/useFleet';
import { formatBytes, formatPercent } from '../../widgets/format';
import { Meter } from '../../widgets/Meter';
import { EmptyState } from '../../widgets/Notice';
import { Sparkline } from '../../widgets/Sparkline';
import { ConnectionBadge } from '../../widgets/StateBadge';
import { AlertList } from '../activity/AlertList';
import { ColumnHeads } from '../../widgets/ColumnHeads';
import { openOnboardingDialog } from '../onboarding/OnboardingDialogs';

type StateFilter = 'all' | 'up' | 'attention' | 'down';

const STATE_FILTERS: Record<StateFilter, string> = { all: 'Every state', up: 'Connected', attention: 'Needs attention', down: 'Not connected' };

function matchesState(host: HostStatus, filter: StateFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'up':
      return host.connection === 'connected';
    case 'attention':
      return host.connection === 'pendingApproval' || host.connection === 'blocked' || host.connection === 'failed' || host.agentError !== undefined;
    case 'down':
      return host.connection !== 'connected';
  }
}

const cpuOf = (point: { cpu: number }): number => point.cpu;
const memoryOf = (point: { memoryBytes: number }): number => point.memoryBytes;

const HostRow = memo(function HostRow({ name }: { name: string }) {
  const host = useHost(name);
  const guests = useHostGuests(name);
  const series = useHostSeries(name);
  if (!host) return null;
  const health = host.health;
  const running = guests.filter((guest) => guest.state === 'running').length;
  const down = host.connection !== 'connected';
  const diskUsed = health ? health.diskTotal - health.diskFree : undefined;
  return (
    <tr className={down ? 'row-down' : ''}>
      <th scope="row"><a href={routeHref({ view: 'host', host: name })}>{name}</a></th>
      <td><ConnectionBadge state={host.connection} /></td>
      <td className="nowrap">{host.info?.driver ?? host.agent?.driver ?? '–'}{host.info ? ` (cgroup v${host.info.cgroupVersion})` : ''}</td>
      <td className="mono nowrap">{host.info?.kernel ?? '–'}</td>
      <td className="num">{running} / {guests.length}</td>
      <td>
        <span className="cell-with-spark">
          <span className="num">{formatPercent(health?.cpu)}</span>
          <Sparkline points={series} value={cpuOf} max={1} label={`CPU of ${name}, last minutes`} />
        </span>
      </td>
      <td>
        <span className="cell-with-spark">
          <Meter label={`Memory of ${name}`} fraction={health ? health.memoryUsed / health.memoryTotal : undefined}
            text={health ? `${formatBytes(health.memoryUsed)} / ${formatBytes(health.memoryTotal)}` : '–'} />
          <Sparkline points={series} value={memoryOf} max={health?.memoryTotal} label={`Memory of ${name}, last minutes`} />
        </span>
      </td>
      <td>
        <Meter label={`Guest disk of ${name}`} fraction={health && diskUsed !== undefined ? diskUsed / health.diskTotal : undefined}
          text={health && diskUsed !== undefined ? `${formatBytes(diskUsed)} / ${formatBytes(health.diskTotal)}` : '–'} />
      </td>
      <td className="detail" title={host.error ?? host.agentError}>{host.error ?? host.agentError ?? (host.agent ? `agent ${host.agent.version}` : '')}</td>
    </tr>
  );
});

const HOST_COLUMNS = ['Host', 'State', 'Driver', 'Kernel', { label: 'Guests', numeric: true }, 'CPU', 'Memory', 'Disk', 'Detail'];

/** One table for every group, so the groups' columns line up; each group is a row group under its tag. */
function HostTable({ groups, grouped }: { groups: Array<[string, string[]]>; grouped: boolean }) {
  return (
    <table className="table">
      <caption className="visually-hidden">Hosts{grouped ? ' by tag' : ''}</caption>
      <ColumnHeads columns={HOST_COLUMNS} />
      {groups.map(([group, names]) => (
        <tbody key={group}>
          {grouped ? (
            <tr className="group-row">
              <th scope="rowgroup" colSpan={HOST_COLUMNS.length}>{group === '' ? 'Without a tag' : `Tag ${group}`} <span className="muted">({names.length})</span></th>
            </tr>
          ) : null}
          {names.map((name) => <HostRow key={name} name={name} />)}
        </tbody>
      ))}
    </table>
  );
}

function Totals() {
  const summary = useSummary();
  if (!summary) return null;
  return (
    <section className="totals" aria-label="Fleet totals">
      <div className="total">
        <span className="total-label">Hosts up</span>
        <span className="total-value">{summary.hosts.up} / {summary.hosts.total}</span>
        <span className="total-detail">{summary.hosts.down} down, {summary.hosts.needAttention} need attention</span>
      </div>
      <div className="total">
        <span className="total-label">Guests running</span>
        <span className="total-value">{summary.guests.running} / {summary.guests.total}</span>
        <span className="total-detail">{summary.guests.stopped} stopped</span>
      </div>
      <div className="total">
        <span className="total-label">CPU</span>
        <span className="total-value">{formatPercent(summary.cpu.fraction)}</span>
        <span className="total-detail">{summary.cpu.busyCpus.toFixed(1)} of {summary.cpu.totalCpus} CPUs busy</span>
      </div>
      <div className="total">
        <span className="total-label">Memory</span>
        <span className="total-value">{formatPercent(summary.memory.fraction)}</span>
        <span className="total-detail">{formatBytes(summary.memory.usedBytes)} of {formatBytes(summary.memory.totalBytes)}</span>
      </div>
    </section>
  );
}

export function FleetOverview() {
  const hosts = useHosts();
  const [search, setSearch] = useState('');
  const [state, setState] = useState<StateFilter>('all');
  const [tag, setTag] = useState('');
  const tags = useMemo(() => [...new Set(hosts.flatMap((host) => host.tags))].sort(), [hosts]);
  const waitingKeys = hosts.filter((host) => host.trust === 'pending' || host.trust === 'blocked').length;
  const groups = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = hosts.filter((host) => {
      const text = `${host.name} ${host.address} ${host.tags.join(' ')} ${host.info?.kernel ?? ''} ${host.info?.driver ?? ''}`.toLowerCase();
      return matchesState(host, state) && (tag === '' || host.tags.includes(tag)) && words.every((word) => text.includes(word));
    });
    const byTag = new Map<string, string[]>();
    for (const host of shown) {
      for (const group of host.tags.length > 0 ? host.tags : ['']) {
        if (tag !== '' && group !== tag) continue;
        byTag.set(group, [...(byTag.get(group) ?? []), host.name]);
      }
    }
    return [...byTag.entries()].sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
  }, [hosts, search, state, tag]);
  return (
    <div className="page">
      <header className="page-header">
        <h1>Fleet overview</h1>
        <span className="toolbar-gap" />
        {waitingKeys > 0 ? <button type="button" onClick={() => openOnboardingDialog({ kind: 'hostKeys' })}>Check {waitingKeys} host key{waitingKeys === 1 ? '' : 's'}</button> : null}
        <button type="button" onClick={() => openOnboardingDialog({ kind: 'addHost' })}>Add a host</button>
        <button type="button" onClick={() => openOnboardingDialog({ kind: 'importHosts' })}>Import hosts</button>
        <button type="button" className="primary" disabled={hosts.length === 0} onClick={() => openOnboardingDialog({ kind: 'createGuest' })}>Create a guest</button>
      </header>
      <Totals />
      <AlertList compact />
      <section aria-label="Hosts" className="panel">
        <div className="toolbar">
          <input type="search" aria-label="Search hosts" placeholder="Search hosts by name, address, tag, kernel…" value={search} onChange={(event) => setSearch(event.target.value)} />
          <select aria-label="Connection state" value={state} onChange={(event) => setState(event.target.value as StateFilter)}>
            {Object.entries(STATE_FILTERS).map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
          <select aria-label="Tag" value={tag} onChange={(event) => setTag(event.target.value)}>
            <option value="">Every tag</option>
            {tags.map((entry) => <option key={entry} value={entry}>{entry}</option>)}
          </select>
        </div>
        {hosts.length === 0 ? (
          <EmptyState title="No hosts in the fleet yet">
            <div className="toolbar">
              <button type="button" className="primary" onClick={() => openOnboardingDialog({ kind: 'addHost' })}>Add a host</button>
              <button type="button" onClick={() => openOnboardingDialog({ kind: 'importHosts' })}>Import from ~/.ssh/config or Ansible</button>
            </div>
            Or from a shell: <code>vfleet hosts add NAME ADDRESS</code>, <code>vfleet import-ssh-config ~/.ssh/config --apply</code>; hosts show here as soon as they are registered.
          </EmptyState>
        ) : groups.length === 0 ? (
          <EmptyState title="No host matches these filters">Clear the search or pick “Every state” and “Every tag”.</EmptyState>
        ) : (
          <HostTable groups={groups} grouped={tags.length > 0} />
        )}
      </section>
    </div>
  );
}
