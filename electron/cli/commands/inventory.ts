// vfleet inventory: every host and guest, after connecting.
import { JSON_OPTION, listValue } from '../../../shared/cli/argv';
import { connectForCommand, EXIT_FAILED, EXIT_OK, type VfleetCommand } from '../cliContext';
import { describeFleet, HOSTS_OPTION } from '../fleetSummary';

export const inventoryCommand: VfleetCommand = {
  spec: { name: 'inventory', summary: 'Connects the hosts and lists every host and guest.', options: [HOSTS_OPTION, JSON_OPTION] },
  run: async (context, args) => {
    const { problems } = await connectForCommand(context, listValue(args, 'hosts'));
    const snapshot = context.core.snapshot();
    context.out(args.flags.has('json') ? `${JSON.stringify(snapshot, null, 2)}\n` : describeFleet(snapshot));
    return problems.length === 0 ? EXIT_OK : EXIT_FAILED;
  },
};
