// vfleet replicate HOST/GUEST --to HOST2 [--every 15m] [--freeze]: a standby copy of the guest on
// HOST2, synced by HOST itself on schedule (the first sync runs now); --stop removes it again.
import { JSON_OPTION, lastValue, positional, UsageError } from '../../../shared/cli/argv';
import { formatAge, parseInterval } from '../../../shared/api/replication';
import { formatBytes } from '../../../shared/format/byteSize';
import { connectForCommand, EXIT_FAILED, EXIT_OK, printJson, type VfleetCommand } from '../cliContext';
import { guestWord } from '../guestTarget';

export const replicateCommand: VfleetCommand = {
  spec: {
    name: 'replicate',
    args: 'HOST/GUEST',
    summary: 'Keeps a standby copy of a guest on another host, synced by its host on schedule.',
    options: [
      { name: '--to', value: 'HOST', help: 'the replica host' },
      { name: '--every', value: 'INTERVAL', help: 'time between syncs: 90s, 15m (default), 2h' },
      { name: '--freeze', help: 'freeze the guest for each sync\'s final pass (at most 5 s)' },
      { name: '--stop', help: 'remove the guest\'s replication (and its unpromoted replica)' },
      JSON_OPTION,
    ],
  },
  run: async (context, args) => {
    const { host, guest } = guestWord(positional(args, 0, 'HOST/GUEST'));
    const json = args.flags.has('json');
    if (args.flags.has('stop')) {
      await connectForCommand(context);
      const result = await context.core.invoke('guest.replicateStop', { host, guest });
      if (json) return printJson(context, result);
      context.out(`${result.removed.length > 0 ? result.removed.join('\n') : 'nothing to remove'}\n`);
      return EXIT_OK;
    }
    const to = lastValue(args, 'to');
    if (!to) throw new UsageError('replicate needs --to HOST');
    const every = lastValue(args, 'every');
    const intervalMs = every === undefined ? undefined : parseInterval(every);
    if (every !== undefined && intervalMs === undefined) throw new UsageError(`--every is a duration such as 90s, 15m or 2h, not '${every}'`);
    const { problems } = await connectForCommand(context, [host, to]);
    if (problems.length > 0) return EXIT_FAILED;
    const { replica } = await context.core.invoke('guest.replicate', {
      host, guest, to, ...(intervalMs !== undefined ? { intervalMs } : {}), ...(args.flags.has('freeze') ? { freeze: true } : {}),
    });
    if (json) return printJson(context, replica);
    context.out(`${host}/${guest} is replicated to ${to} (replication ${replica.replication}), synced every ${formatAge(replica.intervalMs)} by ${host}; ` +
      `first sync: ${formatBytes(replica.lastSync?.bytesSent ?? 0)} sent, ${formatBytes(replica.sizeBytes ?? 0)} copied\n`);
    return EXIT_OK;
  },
};
