// Every guest configured on this host, running or not.
import { listGuests } from '../../operations/inventoryOperations';
import { emit, type AgentCommand } from '../commandSupport';
import { formatList } from '../humanFormat';

export const listCommand: AgentCommand = {
  spec: { name: 'list', summary: 'Lists every configured guest.', options: [] },
  run: async (context, _args, output) => emit(output, await listGuests(context), formatList),
};
