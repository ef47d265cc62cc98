// Activity: the operations this page started (running ones with progress and cancel, finished
// ones with their outcome), the migrations and their journal, the active and recently cleared alerts, and the audit log with its
// filters (audit.query) and a text search over what it returned.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { AuditEntry, AuditQuery } from '../../../../shared/api/audit';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { useHosts, useOperations } from '../../store/useFleet';
import { formatDateTime, formatDuration } from '../../widgets/format';
import { EmptyState, FailureNotice, Loading } from '../../widgets/Notice';
import { useNow } from '../../widgets/useNow';
import { AlertList } from './AlertList';
import { MigrationsPanel } from './MigrationsPanel';
import { ColumnHeads } from '../../widgets/ColumnHeads';

const AUDIT_LIMIT = 500;

function Operations() {
  const operations = useOperations();
  const now = useNow(1_000);
  return (
    <section className="panel" aria-label="Operations">
      <h2>Operations</h2>
      {operations.length === 0 ? (
        <EmptyState title="Nothing run from this window yet">Actions you start here (start, stop, limits, commands in many guests) are listed with their progress and outcome.</EmptyState>
      ) : (
        <table className="table table-dense">
          <ColumnHeads columns={['Operation', 'Status', 'Progress', 'Started', { label: 'Took', numeric: true }, { label: 'Actions', hidden: true }]} />
          <tbody>
            {operations.map((operation) => (
              <tr key={operation.id} className={operation.status === 'failed' ? 'row-failed' : ''}>
                <th scope="row">
                  {operation.title}
                  {operation.error ? <span className="field-error">{operation.error}</span> : null}
                </th>
                <td><span className={`badge tone-${{ running: 'info', ok: 'ok', failed: 'bad', cancelled: 'muted' }[operation.status]}`}>{operation.status}</span></td>
                <td>
                  {operation.progress ? (
                    <span className="meter-cell">
                      <progress max={operation.progress.total} value={operation.progress.done} aria-label={`Progress of ${operation.title}`} />
                      <span className="meter-text">{operation.progress.done} / {operation.progress.total}</span>
                    </span>
                  ) : operation.status === 'running' ? <progress aria-label={`Progress of ${operation.title}`} /> : null}
                </td>
                <td>{formatDateTime(operation.startedAt)}</td>
                <td className="num">{formatDuration((operation.endedAt ?? now) - operation.startedAt)}</td>
                <td>{operation.cancel ? <button type="button" onClick={operation.cancel} aria-label={`Cancel ${operation.title}`}>Cancel</button> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AuditLog() {
  const { client } = useServices();
  const hosts = useHosts();
  const [query, setQuery] = useState<AuditQuery>({ limit: AUDIT_LIMIT });
  const [search, setSearch] = useState('');
  const [entries, setEntries] = useState<AuditEntry[] | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const read = useCallback(async (next: AuditQuery) => {
    try {
      setEntries((await client.call('audit.query', next)).slice().reverse());
      setFailure(undefined);
    } catch (error) {
      setFailure(describeFailure('read the audit log', error));
    }
  }, [client]);
  useEffect(() => {
    void read(query);
  }, [read, query]);
  const actions = useMemo(() => [...new Set((entries ?? []).map((entry) => entry.action))].sort(), [entries]);
  const shown = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    return (entries ?? []).filter((entry) => {
      const text = `${entry.action} ${entry.host ?? ''} ${entry.guest ?? ''} ${entry.user} ${entry.error ?? ''} ${JSON.stringify(entry.params)}`.toLowerCase();
      return words.every((word) => text.includes(word));
    });
  }, [entries, search]);
  const set = (patch: Partial<AuditQuery>): void => {
    const next: AuditQuery = { ...query, ...patch };
    for (const key of Object.keys(next) as Array<keyof AuditQuery>) if (next[key] === '' || next[key] === undefined) delete next[key];
    setQuery(next);
  };
  return (
    <section className="panel" aria-label="Audit log">
      <h2>Audit log</h2>
      <div className="toolbar">
        <input type="search" aria-label="Search the audit log" placeholder="Search actions, guests, errors, parameters…" value={search} onChange={(event) => setSearch(event.target.value)} />
        <select aria-label="Audit host" value={query.host ?? ''} onChange={(event) => set({ host: event.target.value })}>
          <option value="">Every host</option>
          {hosts.map((host) => <option key={host.name} value={host.name}>{host.name}</option>)}
        </select>
        <select aria-label="Audit action" value={query.action ?? ''} onChange={(event) => set({ action: event.target.value })}>
          <option value="">Every action</option>
          {[...new Set([...actions, ...(query.action ? [query.action] : [])])].map((action) => <option key={action} value={action}>{action}</option>)}
        </select>
        <label className="inline">
          Since
          <input type="datetime-local" aria-label="Audit since" onChange={(event) => set({ since: event.target.value ? new Date(event.target.value).toISOString() : '' })} />
        </label>
        <button type="button" onClick={() => void read(query)}>Read again</button>
      </div>
      {failure ? <FailureNotice failure={failure} /> : null}
      {!entries ? (failure ? null : <Loading what="the audit log" />) : shown.length === 0 ? (
        <EmptyState title={entries.length === 0 ? 'No audit entries' : 'No entry matches the search'}>
          {entries.length === 0 ? 'Every change made through vfleet (the app or the CLI) is written here with its result.' : 'Clear the search text or the filters.'}
        </EmptyState>
      ) : (
        <div className="scroll-box tall">
          <table className="table table-dense table-nowrap">
            <ColumnHeads columns={['Time', 'User', 'Action', 'Host', 'Guest', 'Result', { label: 'ms', numeric: true }, 'Detail']} />
            <tbody>
              {shown.map((entry, index) => (
                <tr key={`${entry.time}-${index}`} className={entry.result === 'error' ? 'row-failed' : ''}>
                  <td className="mono">{formatDateTime(entry.time)}</td>
                  <td>{entry.user}</td>
                  <td className="mono">{entry.action}</td>
                  <td>{entry.host ?? '–'}</td>
                  <td>{entry.guest ?? '–'}</td>
                  <td><span className={`badge tone-${entry.result === 'ok' ? 'ok' : 'bad'}`}>{entry.result}</span></td>
                  <td className="num">{Math.round(entry.durationMs)}</td>
                  <td className="detail mono" title={entry.error ?? JSON.stringify(entry.params)}>{entry.error ?? JSON.stringify(entry.params)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function ActivityView() {
  return (
    <div className="page">
      <header className="page-header"><h1>Activity</h1></header>
      <Operations />
      <MigrationsPanel />
      <AlertList />
      <AuditLog />
    </div>
  );
}
