// The agent's version and driver, always as JSON (what the app reads before it speaks RPC).
import { hello } from '../../operations/inventoryOperations';
import { emit, type AgentCommand } from '../commandSupport';

export const helloCommand: AgentCommand = {
  spec: { name: 'hello', summary: 'Prints the agent\'s version and driver as JSON.', options: [] },
  run: async (context) => emit({ json: true }, await hello(context), () => ''),
};
