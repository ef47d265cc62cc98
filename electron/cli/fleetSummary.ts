// The fleet as text, shared by vfleet inventory and vfleet watch: a summary line, then one row
// per host and per guest.
import type { OptionDef } from '../../shared/cli/argv';
import type { FleetSnapshot } from '../../shared/api/fleetState';
import { bytesCell, percentCell, textTable } from '../../shared/format/textTable';

export const HOSTS_OPTION: OptionDef = { name: '--hosts', value: 'H,...', help: 'only these hosts' };

export function describeFleet(snapshot: FleetSnapshot): string {
  const { summary } = snapshot;
  const head = `hosts ${summary.hosts.up}/${summary.hosts.total} up` +
    `${summary.hosts.down ? `, ${summary.hosts.down} down` : ''}${summary.hosts.needAttention ? `, ${summary.hosts.needAttention} need attention` : ''}` +
    ` | guests ${summary.guests.running} running, ${summary.guests.stopped} stopped` +
    ` | cpu ${percentCell(summary.cpu.fraction)} of ${summary.cpu.totalCpus} | memory ${bytesCell(summary.memory.usedBytes)}/${bytesCell(summary.memory.totalBytes)}\n`;
  const rows = snapshot.hosts.flatMap((host) => [
    [
      host.name, '', host.connection, host.info ? `${host.info.driver} cgroup v${host.info.cgroupVersion}, ${host.info.cpus} cpus` : host.error ?? '',
      percentCell(host.health?.cpu), bytesCell(host.health?.memoryUsed ?? (host.info ? host.info.memoryTotal - host.info.memoryAvailable : undefined)),
    ],
    ...host.guests.map((guest) => (guest.misconfigured
      ? ['', guest.name, 'misconfigured', guest.misconfigured, '-', '-']
      : ['', guest.name, guest.state, `xid ${guest.xid}, ${guest.processes} proc`, percentCell(guest.cpu), bytesCell(guest.memoryBytes)])),
  ]);
  const alerts = snapshot.alerts.map((alert) => `alert: ${alert.message}\n`).join('');
  return head + textTable(['HOST', 'GUEST', 'STATE', 'DETAIL', 'CPU', 'MEMORY'], rows) + alerts;
}
