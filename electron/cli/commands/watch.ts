// vfleet watch: the fleet summary, redrawn every few seconds.
import { listValue, numberValue } from '../../../shared/cli/argv';
import { connectForCommand, EXIT_OK, type VfleetCommand } from '../cliContext';
import { describeFleet, HOSTS_OPTION } from '../fleetSummary';

export const watchCommand: VfleetCommand = {
  spec: {
    name: 'watch',
    summary: 'Shows the live fleet summary.',
    options: [
      HOSTS_OPTION,
      { name: '--interval', value: 'S', help: 'seconds between frames (default 2)' },
      { name: '--count', value: 'N', help: 'stop after N frames' },
    ],
  },
  run: async (context, args) => {
    await connectForCommand(context, listValue(args, 'hosts'));
    const intervalMs = (numberValue(args, 'interval') ?? 2) * 1000;
    const count = numberValue(args, 'count');
    const clear = process.stdout.isTTY && count === undefined;
    for (let shown = 0; count === undefined || shown < count; shown += 1) {
      // Every frame, the first included, waits so that the hosts' health samples have arrived.
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      context.out(`${clear ? '\x1b[2J\x1b[H' : ''}${new Date().toISOString()}\n${describeFleet(context.core.snapshot())}\n`);
    }
    return EXIT_OK;
  },
};
