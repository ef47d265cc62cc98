// vserver-stat: one line per running guest.
import { statRows } from '../../operations/inventoryOperations';
import { emit, type AgentCommand } from '../commandSupport';
import { formatStat } from '../humanFormat';

export const statCommand: AgentCommand = {
  spec: { name: 'stat', summary: 'Lists the running guests as vserver-stat does.', options: [] },
  run: async (context, _args, output) => emit(output, await statRows(context), formatStat),
};
