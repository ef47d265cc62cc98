// vserver NAME enter: a login shell inside the guest on this terminal.
import { enterGuest } from '../../operations/execOperations';
import { guestName, validated, type AgentCommand } from '../commandSupport';
import { attachTerminal } from '../guestTerminal';

const spec = { name: 'enter', args: 'NAME', summary: 'Opens a shell inside a running guest.', options: [] };

export const enterCommand: AgentCommand = {
  spec,
  run: async (context, args) => {
    const { name } = validated('enter', { name: guestName(args, spec) });
    return attachTerminal(await enterGuest(context, name), true);
  },
};
