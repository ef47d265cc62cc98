// vserver-info: this host's kernel, driver, CPUs, memory and bases.
import { info } from '../../operations/inventoryOperations';
import { emit, type AgentCommand } from '../commandSupport';
import { formatInfo } from '../humanFormat';

export const infoCommand: AgentCommand = {
  spec: { name: 'info', summary: 'Describes this host.', options: [] },
  run: async (context, _args, output) => emit(output, await info(context), formatInfo),
};
