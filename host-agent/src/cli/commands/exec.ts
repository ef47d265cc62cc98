// vserver NAME exec CMD...: runs a command in the guest with its output on this terminal.
import { execInGuest } from '../../operations/execOperations';
import { guestName, print, validated, type AgentCommand } from '../commandSupport';
import { attachTerminal, collectOutput } from '../guestTerminal';

const spec = { name: 'exec', args: 'NAME [--] CMD [ARGS...]', summary: 'Runs a command inside a running guest.', options: [], stopAfterPositionals: 1 };

export const execCommand: AgentCommand = {
  spec,
  run: async (context, args, output) => {
    const params = validated('exec', { name: guestName(args, spec), argv: args.rest });
    const guestProcess = await execInGuest(context, params.name, params.argv);
    if (output.json) {
      const result = await collectOutput(guestProcess);
      print(JSON.stringify(result, null, 2));
      return result.exitCode;
    }
    return attachTerminal(guestProcess, false);
  },
};
