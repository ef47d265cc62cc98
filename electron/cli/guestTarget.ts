// What the `vfleet guest ...` commands share: HOST GUEST words, the host connected first, and
// the guest's one-line state.
import { positional, type CommandSpec, type OptionDef, type ParsedArgv } from '../../shared/cli/argv';
import type { GuestView } from '../../shared/api/fleetState';
import { connectForCommand, EXIT_FAILED, EXIT_OK, type CliContext, type VfleetCommand } from './cliContext';

export function guestSpec(verb: string, summary: string, options: readonly OptionDef[] = [], args = 'HOST GUEST'): CommandSpec {
  return { name: `guest ${verb}`, args, summary, options };
}

/** The HOST and GUEST words, with HOST connected; undefined when HOST cannot be used (already reported). */
export async function connectedGuest(context: CliContext, args: ParsedArgv): Promise<{ host: string; guest: string } | undefined> {
  const host = positional(args, 0, 'host name');
  const guest = positional(args, 1, 'guest name');
  const { problems } = await connectForCommand(context, [host]);
  return problems.length > 0 ? undefined : { host, guest };
}

export function printGuest(context: CliContext, guest: GuestView): number {
  context.out(`${guest.host}/${guest.name}: ${guest.state} (xid ${guest.xid}${guest.initPid ? `, init pid ${guest.initPid}` : ''})\n`);
  return EXIT_OK;
}

const FORCE_OPTION: OptionDef = { name: '--force', help: 'start a copy a migration disabled (moved away, or an unfinished arrival)' };

/** guest start, stop and restart: the action on HOST GUEST, then the guest's state. */
export function guestStateCommand(verb: 'start' | 'stop' | 'restart', summary: string): VfleetCommand {
  return {
    spec: guestSpec(verb, summary, verb === 'start' ? [FORCE_OPTION] : []),
    run: async (context, args) => {
      const target = await connectedGuest(context, args);
      if (!target) return EXIT_FAILED;
      if (verb === 'start') return printGuest(context, await context.core.invoke('guest.start', { ...target, ...(args.flags.has('force') ? { force: true } : {}) }));
      return printGuest(context, await context.core.invoke(`guest.${verb}`, target));
    },
  };
}
