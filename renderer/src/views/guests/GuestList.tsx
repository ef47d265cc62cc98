// Guests across the fleet: vserver-stat's columns with HOST, STATE, CPU and IP; sortable,
// filterable, multi-select, with bulk start/stop/restart and "run a command in the selected
// guests". Rows are virtualised (only the visible ones exist), so 1,000 guests scroll smoothly;
// a guest of a host that is down stays listed, greyed out.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { GuestRef } from '../../../../shared/api/guestActions';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { markGuestRowsPainted } from '../../app/performanceMarks';
import { LIFECYCLE_RUNNING, LIFECYCLE_VERB, runLifecycle, type LifecycleAction, type LifecycleFailure } from '../../app/guestLifecycle';
import { routeHref } from '../../app/routes';
import { guestKey } from '../../store/fleetStore';
import { useGuests, useHosts } from '../../store/useFleet';
import { compareText, formatClock } from '../../widgets/format';
import { EmptyState, FailureNotice } from '../../widgets/Notice';
import { GuestStateBadge } from '../../widgets/StateBadge';
import { useNow } from '../../widgets/useNow';
import { FleetExecDialog } from './FleetExecDialog';
import { GUEST_COLUMNS, guestSearchText, type GuestRowData, type StatRow } from './guestColumns';

const ROW_HEIGHT = 30;

interface StatState {
  rows: Map<string, StatRow>;
  at: number;
  errors: Array<{ host: string; error: string }>;
}

const GuestRow = memo(function GuestRow({ row, index, selected, now, onSelect }: { row: GuestRowData; index: number; selected: boolean; now: number; onSelect: (key: string, range: boolean) => void }) {
  const { guest } = row;
  return (
    <tr data-index={index} aria-rowindex={index + 2} className={`${row.hostDown ? 'row-down' : ''} ${selected ? 'row-selected' : ''}`}>
      <td className="select">
        <input
          type="checkbox" aria-label={`Select ${guest.host}/${guest.name}`} checked={selected}
          onChange={(event) => onSelect(row.key, (event.nativeEvent as MouseEvent).shiftKey)}
        />
      </td>
      {GUEST_COLUMNS.map((column) => {
        if (column.id === 'name') {
          return (
            <td key={column.id}>
              <a href={routeHref({ view: 'guest', host: guest.host, guest: guest.name })}>{guest.name}</a>
            </td>
          );
        }
        if (column.id === 'state') {
          return <td key={column.id}><GuestStateBadge state={guest.state} hostDown={row.hostDown} misconfigured={guest.misconfigured !== undefined} /></td>;
        }
        if (column.id === 'host') {
          return <td key={column.id}><a href={routeHref({ view: 'host', host: guest.host })}>{guest.host}</a></td>;
        }
        return <td key={column.id} className={column.numeric ? 'num mono' : 'mono'}>{column.cell(row, now)}</td>;
      })}
    </tr>
  );
});

export function GuestList() {
  const services = useServices();
  const guests = useGuests();
  const hosts = useHosts();
  const now = useNow(1_000);
  const [filter, setFilter] = useState('');
  const [stateFilter, setStateFilter] = useState<'all' | 'running' | 'stopped'>('all');
  const [hostFilter, setHostFilter] = useState('');
  const [sort, setSort] = useState<{ column: string; descending: boolean }>({ column: 'host', descending: false });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [anchor, setAnchor] = useState<string | undefined>();
  const [stat, setStat] = useState<StatState | undefined>();
  const [statFailure, setStatFailure] = useState<Failure | undefined>();
  const [bulkFailures, setBulkFailures] = useState<LifecycleFailure[]>([]);
  const [busy, setBusy] = useState<LifecycleAction | undefined>();
  const [execOpen, setExecOpen] = useState(false);

  const readStat = useCallback(async () => {
    try {
      const result = await services.client.call('fleet.stat', {});
      setStat({ rows: new Map(result.rows.map((row) => [guestKey(row.host, row.name), row])), at: Date.now(), errors: result.errors });
      setStatFailure(undefined);
    } catch (error) {
      setStatFailure(describeFailure('read vserver-stat from the hosts', error));
    }
  }, [services]);
  useEffect(() => {
    void readStat();
  }, [readStat]);

  const hostDown = useMemo(() => new Map(hosts.map((host) => [host.name, host.connection !== 'connected'])), [hosts]);
  // Only the UPTIME column sorts by the clock: the list is not sorted again every second for the others.
  const sortNow = sort.column === 'uptime' ? now : 0;
  /** Last render's rows by key: a row whose guest, stat and host state are unchanged stays the same object, so its memoised row does not render again. */
  const rowCache = useRef(new Map<string, GuestRowData>());
  const rows = useMemo(() => {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const column = GUEST_COLUMNS.find((entry) => entry.id === sort.column) ?? GUEST_COLUMNS[0];
    const previous = rowCache.current;
    const kept = new Map<string, GuestRowData>();
    const list: GuestRowData[] = [];
    for (const guest of guests) {
      if (stateFilter !== 'all' && guest.state !== stateFilter) continue;
      if (hostFilter !== '' && guest.host !== hostFilter) continue;
      const key = guestKey(guest.host, guest.name);
      const statRow = stat?.rows.get(key);
      const down = hostDown.get(guest.host) ?? true;
      const last = previous.get(key);
      const row: GuestRowData = last && last.guest === guest && last.stat === statRow && last.hostDown === down ? last : { key, guest, stat: statRow, hostDown: down };
      if (words.length > 0 && !words.every((word) => guestSearchText(row).includes(word))) continue;
      kept.set(key, row);
      list.push(row);
    }
    rowCache.current = kept;
    if (!column) return list;
    const direction = sort.descending ? -1 : 1;
    // Each row's sort value once, not once per comparison.
    const keyed = list.map((row) => ({ row, value: column.sortValue(row, sortNow) }));
    keyed.sort((a, b) => {
      const order = typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : compareText(String(a.value), String(b.value));
      return order * direction || compareText(a.row.key, b.row.key);
    });
    return keyed.map((entry) => entry.row);
  }, [guests, stat, hostDown, filter, stateFilter, hostFilter, sort, sortNow]);

  const selectedRefs: GuestRef[] = useMemo(
    () => guests.filter((guest) => selected.has(guestKey(guest.host, guest.name))).map((guest) => ({ host: guest.host, guest: guest.name })),
    [guests, selected],
  );

  const onSelect = useCallback((key: string, range: boolean) => {
    setSelected((previous) => {
      const next = new Set(previous);
      if (range && anchor !== undefined) {
        const keys = rows.map((row) => row.key);
        const [from, to] = [keys.indexOf(anchor), keys.indexOf(key)].sort((a, b) => a - b);
        if (from !== undefined && to !== undefined && from >= 0) {
          for (const entry of keys.slice(from, to + 1)) next.add(entry);
          return next;
        }
      }
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
    setAnchor(key);
  }, [anchor, rows]);

  const allShownSelected = rows.length > 0 && rows.every((row) => selected.has(row.key));
  const bulk = async (action: LifecycleAction): Promise<void> => {
    setBusy(action);
    setBulkFailures(await runLifecycle(services, action, selectedRefs));
    setBusy(undefined);
    void readStat();
  };

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12, useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const rowsShown = items.length > 0;
  useEffect(() => {
    if (rowsShown) markGuestRowsPainted();
  }, [rowsShown]);
  /** Up and down arrows move to the same column's control in the row above or below, scrolling it into view. */
  const moveByArrow = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const target = event.target as HTMLElement;
    const row = target.closest('tr[data-index]');
    const cell = target.closest('td');
    if (!row || !cell) return;
    event.preventDefault();
    const next = Number(row.getAttribute('data-index')) + (event.key === 'ArrowDown' ? 1 : -1);
    if (next < 0 || next >= rows.length) return;
    virtualizer.scrollToIndex(next);
    const selector = `tr[data-index="${next}"] td:nth-child(${cell.cellIndex + 1})`;
    requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`${selector} input, ${selector} a`)?.focus());
  };
  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);

  return (
    <div className="page page-fill">
      <header className="page-header">
        <h1>Guests</h1>
        <span className="muted">
          {guests.length} guests, {guests.filter((guest) => guest.state === 'running').length} running
          {stat ? ` · VSZ and CPU times from vserver-stat at ${formatClock(stat.at)}` : ''}
        </span>
        <button type="button" onClick={() => void readStat()}>Refresh vserver-stat</button>
      </header>
      {statFailure ? <FailureNotice failure={statFailure} onDismiss={() => setStatFailure(undefined)} /> : null}
      {stat?.errors.map((entry) => (
        <FailureNotice key={entry.host} failure={{ title: `vserver-stat failed on ${entry.host}`, message: entry.error, hint: `VSZ and CPU times of ${entry.host}'s guests are missing; check the host's page.` }} />
      ))}
      {bulkFailures.map((entry) => (
        <FailureNotice key={`${entry.ref.host}/${entry.ref.guest}`} failure={entry.failure}
          onDismiss={() => setBulkFailures((list) => list.filter((other) => other !== entry))} />
      ))}
      <div className="toolbar">
        <input type="search" aria-label="Filter guests" placeholder="Filter by name, host, IP, state, context…" value={filter} onChange={(event) => setFilter(event.target.value)} />
        <select aria-label="Guest state" value={stateFilter} onChange={(event) => setStateFilter(event.target.value as typeof stateFilter)}>
          <option value="all">Every state</option>
          <option value="running">Running</option>
          <option value="stopped">Stopped</option>
        </select>
        <select aria-label="Host" value={hostFilter} onChange={(event) => setHostFilter(event.target.value)}>
          <option value="">Every host</option>
          {hosts.map((host) => <option key={host.name} value={host.name}>{host.name}</option>)}
        </select>
        <span className="toolbar-gap" />
        <span className="muted" aria-live="polite">{selected.size} selected</span>
        {(['start', 'stop', 'restart'] as const).map((action) => (
          <button key={action} type="button" disabled={selectedRefs.length === 0 || busy !== undefined} onClick={() => void bulk(action)}>
            {busy === action ? `${LIFECYCLE_RUNNING[action]}…` : `${LIFECYCLE_VERB[action]} selected`}
          </button>
        ))}
        <button type="button" className="primary" disabled={selectedRefs.length === 0} onClick={() => setExecOpen(true)}>Run command in selected</button>
      </div>
      {guests.length === 0 ? (
        <EmptyState title="No guests yet">
          Build one on a host with <code>vfleet guest build HOST NAME --xid N</code>; every host's guests show here as soon as its agent lists them.
        </EmptyState>
      ) : (
        <div ref={scroller} className="table-scroller" role="region" aria-label="Guest list" tabIndex={0} onKeyDown={moveByArrow}>
          <table className="table table-dense" aria-rowcount={rows.length + 1}>
            <thead>
              <tr aria-rowindex={1}>
                <th scope="col" className="select">
                  <input
                    type="checkbox" aria-label="Select every guest shown" checked={allShownSelected}
                    onChange={() => setSelected(allShownSelected ? new Set() : new Set(rows.map((row) => row.key)))}
                  />
                </th>
                {GUEST_COLUMNS.map((column) => {
                  const current = sort.column === column.id;
                  return (
                    <th key={column.id} scope="col" className={column.numeric ? 'num' : ''} aria-sort={current ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                      <button type="button" className="sort" onClick={() => setSort({ column: column.id, descending: current ? !sort.descending : column.numeric })}>
                        {column.label}
                        <span aria-hidden="true">{current ? (sort.descending ? ' ▾' : ' ▴') : ''}</span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {paddingTop > 0 ? <tr aria-hidden="true" style={{ height: paddingTop }} /> : null}
              {items.map((item) => {
                const row = rows[item.index];
                return row ? <GuestRow key={row.key} row={row} index={item.index} selected={selected.has(row.key)} now={now} onSelect={onSelect} /> : null;
              })}
              {paddingBottom > 0 ? <tr aria-hidden="true" style={{ height: paddingBottom }} /> : null}
            </tbody>
          </table>
          {rows.length === 0 ? <EmptyState title="No guest matches these filters">Clear the filter text or pick “Every state” and “Every host”.</EmptyState> : null}
        </div>
      )}
      {execOpen ? <FleetExecDialog targets={selectedRefs} onClose={() => setExecOpen(false)} /> : null}
    </div>
  );
}
