// vfleet hosts remove NAME
import { positional } from '../../../shared/cli/argv';
import { EXIT_OK, type VfleetCommand } from '../cliContext';

export const hostsRemoveCommand: VfleetCommand = {
  spec: { name: 'hosts remove', args: 'NAME', summary: 'Removes a host from the registry.', options: [] },
  run: async (context, args) => {
    const name = positional(args, 0, 'host name');
    await context.core.invoke('hosts.remove', { name });
    context.out(`removed ${name}\n`);
    return EXIT_OK;
  },
};
