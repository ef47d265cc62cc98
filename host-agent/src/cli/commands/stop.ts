// vserver NAME stop.
import { stopGuest } from '../../operations/lifecycleOperations';
import { emit, guestName, statusText, validated, type AgentCommand } from '../commandSupport';

const spec = { name: 'stop', args: 'NAME', summary: 'Stops a guest: its init\'s stop runlevel, then every process left.', options: [] };

export const stopCommand: AgentCommand = {
  spec,
  run: async (context, args, output) => {
    const { name } = validated('stop', { name: guestName(args, spec) });
    return emit(output, await stopGuest(context, name), (status) => statusText(status.name, status));
  },
};
