// vserver NAME restart.
import { restartGuest } from '../../operations/lifecycleOperations';
import { emit, guestName, statusText, validated, type AgentCommand } from '../commandSupport';

const spec = { name: 'restart', args: 'NAME', summary: 'Stops a guest and starts it again.', options: [] };

export const restartCommand: AgentCommand = {
  spec,
  run: async (context, args, output) => {
    const { name } = validated('restart', { name: guestName(args, spec) });
    return emit(output, await restartGuest(context, name), (status) => statusText(status.name, status));
  },
};
