// vfleet failover HOST/GUEST [--to HOST2]: the replica of a guest whose host is unreachable becomes
// the guest on its replica host (once, whoever else tries), takes its address and starts.
import { JSON_OPTION, lastValue, positional } from '../../../shared/cli/argv';
import { formatAge } from '../../../shared/api/replication';
import { connectForCommand, EXIT_OK, printJson, type VfleetCommand } from '../cliContext';
import { guestWord } from '../guestTarget';

export const failoverCommand: VfleetCommand = {
  spec: {
    name: 'failover',
    args: 'HOST/GUEST',
    summary: 'Restarts an unreachable host\'s guest from its replica on another host.',
    options: [{ name: '--to', value: 'HOST', help: 'the replica host (when there are several)' }, JSON_OPTION],
  },
  run: async (context, args) => {
    const { host, guest } = guestWord(positional(args, 0, 'HOST/GUEST'));
    const to = lastValue(args, 'to');
    await connectForCommand(context);
    const result = await context.core.invoke('guest.failover', { host, guest, ...(to ? { to } : {}) });
    if (args.flags.has('json')) return printJson(context, result);
    context.out(`${guest} runs on ${result.to} (generation ${result.generation}, replication ${result.replication}) after ${(result.durationMs / 1000).toFixed(1)} s; ` +
      `its data is ${result.dataAgeMs !== undefined ? formatAge(result.dataAgeMs) : 'of unknown age'} old; announced ${result.announced.map((entry) => entry.ip).join(', ') || 'no address'}; ` +
      `${host}'s copy is fenced when ${host} is back\n`);
    return EXIT_OK;
  },
};
