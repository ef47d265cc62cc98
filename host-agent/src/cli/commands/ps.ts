// vps: the host's processes with a context column, or one guest's.
import { processRows } from '../../operations/inventoryOperations';
import { emit, validated, type AgentCommand } from '../commandSupport';
import { formatPs } from '../humanFormat';

export const psCommand: AgentCommand = {
  spec: { name: 'ps', args: '[NAME]', summary: 'Lists processes with their context, as vps does.', options: [] },
  run: async (context, args, output) => {
    const name = args.positionals[0];
    if (name !== undefined) validated('ps', { name });
    return emit(output, await processRows(context, name), formatPs);
  },
};
