// vserver NAME delete: root, configuration and kernel objects.
import { deleteGuest } from '../../operations/lifecycleOperations';
import { emit, guestName, validated, type AgentCommand } from '../commandSupport';

const spec = { name: 'delete', args: 'NAME', summary: 'Deletes a stopped guest: its root, configuration and kernel objects.', options: [] };

export const deleteCommand: AgentCommand = {
  spec,
  run: async (context, args, output) => {
    const { name } = validated('delete', { name: guestName(args, spec) });
    return emit(output, await deleteGuest(context, name), () => `Guest '${name}' deleted (root, configuration and kernel objects removed)`);
  },
};
