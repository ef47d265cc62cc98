// vfleet inventory, stat and watch: the fleet as the core sees it after connecting.
import { formatStatRow, STAT_HEADER } from '../../../shared/vserver/statTable';
import type { FleetSnapshot } from '../../../shared/api/fleetState';
import { listOption, numberOption, parseArgs } from '../cliArgs';
import { connectForCommand, EXIT_FAILED, EXIT_OK, type CliContext } from '../cliContext';
import { formatBytes, formatPercent, textTable } from '../textTable';

export async function inventoryCommand(context: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['--hosts'], flags: ['--json'] });
  const { problems } = await connectForCommand(context, listOption(args, '--hosts'));
  const snapshot = context.core.snapshot();
  if (args.flags.has('--json')) context.out(`${JSON.stringify(snapshot, null, 2)}\n`);
  else context.out(describeFleet(snapshot));
  return problems.length === 0 ? EXIT_OK : EXIT_FAILED;
}

export async function statCommand(context: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['--hosts'] });
  const { usable, problems } = await connectForCommand(context, listOption(args, '--hosts'));
  const result = await context.core.invoke('fleet.stat', { names: usable });
  const hostWidth = Math.max(4, ...result.rows.map((row) => row.host.length));
  const sorted = [...result.rows].sort((a, b) => a.host.localeCompare(b.host) || a.xid - b.xid);
  context.out(`${'HOST'.padEnd(hostWidth)}  ${STAT_HEADER}\n`);
  for (const { host, ...row } of sorted) context.out(`${host.padEnd(hostWidth)}  ${formatStatRow(row)}\n`);
  for (const error of result.errors) context.err(`vfleet: ${error.error}\n`);
  return problems.length === 0 && result.errors.length === 0 ? EXIT_OK : EXIT_FAILED;
}

export async function watchCommand(context: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['--hosts', '--interval', '--count'] });
  await connectForCommand(context, listOption(args, '--hosts'));
  const intervalMs = (numberOption(args, '--interval') ?? 2) * 1000;
  const count = numberOption(args, '--count');
  const clear = process.stdout.isTTY && count === undefined;
  for (let shown = 0; count === undefined || shown < count; shown += 1) {
    // Every frame, the first included, waits so that the hosts' health samples have arrived.
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    context.out(`${clear ? '\x1b[2J\x1b[H' : ''}${new Date().toISOString()}\n${describeFleet(context.core.snapshot())}\n`);
  }
  return EXIT_OK;
}

export function describeFleet(snapshot: FleetSnapshot): string {
  const { summary } = snapshot;
  const head = `hosts ${summary.hosts.up}/${summary.hosts.total} up` +
    `${summary.hosts.down ? `, ${summary.hosts.down} down` : ''}${summary.hosts.needAttention ? `, ${summary.hosts.needAttention} need attention` : ''}` +
    ` | guests ${summary.guests.running} running, ${summary.guests.stopped} stopped` +
    ` | cpu ${formatPercent(summary.cpu.fraction)} of ${summary.cpu.totalCpus} | memory ${formatBytes(summary.memory.usedBytes)}/${formatBytes(summary.memory.totalBytes)}\n`;
  const rows = snapshot.hosts.flatMap((host) => [
    [
      host.name, '', host.connection, host.info ? `${host.info.driver} cgroup v${host.info.cgroupVersion}, ${host.info.cpus} cpus` : host.error ?? '',
      formatPercent(host.health?.cpu), formatBytes(host.health?.memoryUsed ?? (host.info ? host.info.memoryTotal - host.info.memoryAvailable : undefined)),
    ],
    ...host.guests.map((guest) => (guest.misconfigured
      ? ['', guest.name, 'misconfigured', guest.misconfigured, '-', '-']
      : ['', guest.name, guest.state, `xid ${guest.xid}, ${guest.processes} proc`, formatPercent(guest.cpu), formatBytes(guest.memoryBytes)])),
  ]);
  const alerts = snapshot.alerts.map((alert) => `alert: ${alert.message}\n`).join('');
  return head + textTable(['HOST', 'GUEST', 'STATE', 'DETAIL', 'CPU', 'MEMORY'], rows) + alerts;
}
