// The guest list's columns: vserver-stat's (CTX PROC VSZ RSS userTIME sysTIME UPTIME NAME) with
// the fleet's HOST, STATE, CPU and IP, how each sorts and how each cell prints.
import type { FleetStatResult } from '../../../../shared/api/fleetExec';
import type { GuestView } from '../../../../shared/api/fleetState';
import { shortenMem } from '../../../../shared/vserver/shortenMem';
import { shortenTime } from '../../../../shared/vserver/shortenTime';
import { formatPercent } from '../../widgets/format';

export type StatRow = FleetStatResult['rows'][number];

export interface GuestRowData {
  key: string;
  guest: GuestView;
  /** The guest's last fleet.stat row (VSZ and CPU times come only from there). */
  stat: StatRow | undefined;
  hostDown: boolean;
}

export interface GuestColumn {
  id: string;
  /** vserver-stat's header where it has one. */
  label: string;
  numeric: boolean;
  sortValue(row: GuestRowData, now: number): number | string;
  cell(row: GuestRowData, now: number): string;
}

function ips(guest: GuestView): string {
  return guest.config?.interfaces.map((entry) => entry.ip).join(', ') ?? '';
}

function uptimeMs(guest: GuestView, now: number): number | undefined {
  return guest.state === 'running' && guest.startedAt !== undefined ? Math.max(0, Math.round(now - guest.startedAt)) : undefined;
}

function memCell(bytes: number | undefined): string {
  return bytes === undefined ? '–' : shortenMem(Math.round(bytes));
}

function timeCell(ms: number | undefined): string {
  return ms === undefined ? '–' : shortenTime(Math.round(ms));
}

const running = (row: GuestRowData): boolean => row.guest.state === 'running';

export const GUEST_COLUMNS: GuestColumn[] = [
  { id: 'host', label: 'HOST', numeric: false, sortValue: (row) => row.guest.host, cell: (row) => row.guest.host },
  { id: 'ctx', label: 'CTX', numeric: true, sortValue: (row) => row.guest.xid, cell: (row) => String(row.guest.xid) },
  { id: 'proc', label: 'PROC', numeric: true, sortValue: (row) => row.guest.processes, cell: (row) => (running(row) ? String(row.guest.processes) : '–') },
  { id: 'vsz', label: 'VSZ', numeric: true, sortValue: (row) => row.stat?.vszBytes ?? -1, cell: (row) => (running(row) ? memCell(row.stat?.vszBytes) : '–') },
  {
    id: 'rss', label: 'RSS', numeric: true, sortValue: (row) => row.guest.memoryBytes ?? row.stat?.rssBytes ?? -1,
    cell: (row) => (running(row) ? memCell(row.guest.memoryBytes ?? row.stat?.rssBytes) : '–'),
  },
  { id: 'user', label: 'userTIME', numeric: true, sortValue: (row) => row.stat?.userMs ?? -1, cell: (row) => (running(row) ? timeCell(row.stat?.userMs) : '–') },
  { id: 'sys', label: 'sysTIME', numeric: true, sortValue: (row) => row.stat?.sysMs ?? -1, cell: (row) => (running(row) ? timeCell(row.stat?.sysMs) : '–') },
  { id: 'uptime', label: 'UPTIME', numeric: true, sortValue: (row, now) => uptimeMs(row.guest, now) ?? -1, cell: (row, now) => timeCell(uptimeMs(row.guest, now)) },
  { id: 'name', label: 'NAME', numeric: false, sortValue: (row) => row.guest.name, cell: (row) => row.guest.name },
  { id: 'state', label: 'STATE', numeric: false, sortValue: (row) => row.guest.state, cell: (row) => row.guest.state },
  { id: 'cpu', label: 'CPU', numeric: true, sortValue: (row) => row.guest.cpu ?? -1, cell: (row) => (running(row) ? formatPercent(row.guest.cpu) : '–') },
  { id: 'ip', label: 'IP', numeric: false, sortValue: (row) => ips(row.guest), cell: (row) => ips(row.guest) || '–' },
];

export function guestSearchText(row: GuestRowData): string {
  const guest = row.guest;
  return `${guest.host} ${guest.name} ${guest.state} ${guest.xid} ${ips(guest)} ${guest.config?.nodename ?? ''} ${guest.config?.mark ?? ''}`.toLowerCase();
}
