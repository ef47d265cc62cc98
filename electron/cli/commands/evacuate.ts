// vfleet evacuate HOST: migrates every guest off a host for maintenance, placed by headroom,
// a few at a time; prints each guest's outcome (moved where, or why it stayed).
import { JSON_OPTION, lastValue, numberValue, positional, UsageError } from '../../../shared/cli/argv';
import { textTable } from '../../../shared/format/textTable';
import { connectForCommand, EXIT_FAILED, EXIT_OK, printJson, type VfleetCommand } from '../cliContext';

export const evacuateCommand: VfleetCommand = {
  spec: {
    name: 'evacuate',
    args: 'HOST',
    summary: 'Migrates every guest off a host; a guest no host can take stays, with the reason.',
    options: [
      { name: '--mode', value: 'stop|freeze', help: 'how each guest is switched (default stop)' },
      { name: '--parallel', value: 'N', help: 'migrations at once, 1..8 (default 2)' },
      { name: '--remove-source', help: 'remove each source copy once its target is verified' },
      { name: '--verify-port', value: 'N', help: 'a TCP port each guest must answer on its target' },
      JSON_OPTION,
    ],
  },
  run: async (context, args) => {
    const host = positional(args, 0, 'host name');
    const mode = lastValue(args, 'mode') ?? 'stop';
    if (mode !== 'stop' && mode !== 'freeze') throw new UsageError(`--mode is stop or freeze, not '${mode}'`);
    const parallel = numberValue(args, 'parallel');
    const verifyPort = numberValue(args, 'verify-port');
    await connectForCommand(context);
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort(new Error('interrupted'));
    process.once('SIGINT', onInterrupt);
    try {
      const result = await context.core.invoke('host.evacuate', {
        host, mode,
        ...(parallel !== undefined ? { parallel } : {}),
        ...(verifyPort !== undefined ? { verifyPort } : {}),
        ...(args.flags.has('remove-source') ? { keepSource: false } : {}),
      }, controller.signal);
      if (args.flags.has('json')) return printJson(context, result);
      context.out(textTable(['GUEST', 'OUTCOME', 'TO', 'DOWNTIME', 'DETAIL'], result.guests.map((guest) => [
        guest.guest, guest.outcome, guest.to ?? '-', guest.downtimeMs !== undefined ? `${(guest.downtimeMs / 1000).toFixed(2)} s` : '-', guest.reason ?? guest.migration ?? '-',
      ])));
      if (result.stopped) context.out('stopped before every guest had its turn\n');
      return result.guests.every((guest) => guest.outcome === 'moved') ? EXIT_OK : EXIT_FAILED;
    } finally {
      process.off('SIGINT', onInterrupt);
    }
  },
};
