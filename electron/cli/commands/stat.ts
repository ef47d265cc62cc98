// vfleet stat: vserver-stat across the fleet, with a HOST column.
import { listValue } from '../../../shared/cli/argv';
import { formatStatRow, STAT_HEADER } from '../../../shared/vserver/statTable';
import { connectForCommand, EXIT_FAILED, EXIT_OK, type VfleetCommand } from '../cliContext';
import { HOSTS_OPTION } from '../fleetSummary';

export const statCommand: VfleetCommand = {
  spec: { name: 'stat', summary: 'vserver-stat of every host, with a HOST column.', options: [HOSTS_OPTION] },
  run: async (context, args) => {
    const { usable, problems } = await connectForCommand(context, listValue(args, 'hosts'));
    const result = await context.core.invoke('fleet.stat', { names: usable });
    const hostWidth = Math.max(4, ...result.rows.map((row) => row.host.length));
    const sorted = [...result.rows].sort((a, b) => a.host.localeCompare(b.host) || a.xid - b.xid);
    context.out(`${'HOST'.padEnd(hostWidth)}  ${STAT_HEADER}\n`);
    for (const { host, ...row } of sorted) context.out(`${host.padEnd(hostWidth)}  ${formatStatRow(row)}\n`);
    for (const error of result.errors) context.err(`vfleet: ${error.error}\n`);
    return problems.length === 0 && result.errors.length === 0 ? EXIT_OK : EXIT_FAILED;
  },
};
