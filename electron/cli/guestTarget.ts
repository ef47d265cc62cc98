// What the `vfleet guest ...` commands share: HOST GUEST words, the host connected first, and
// the guest's one-line state.
import { positional, UsageError, type CommandSpec, type OptionDef, type ParsedArgv } from '../../shared/cli/argv';
import type { GuestView } from '../../shared/api/fleetState';
import { connectForCommand, EXIT_FAILED, EXIT_OK, interruptible, type CliContext, type VfleetCommand } from './cliContext';

/** A HOST/GUEST word (migrate, replicate, failover). */
export function guestWord(word: string): { host: string; guest: string } {
  const [host, guest, extra] = word.split('/');
  if (!host || !guest || extra !== undefined) throw new UsageError(`'${word}' is not HOST/GUEST`);
  return { host, guest };
}

export function guestSpec(verb: string, summary: string, options: readonly OptionDef[] = [], args = 'HOST GUEST'): CommandSpec {
  return { name: `guest ${verb}`, args, summary, options };
}

/**
 * The HOST and GUEST words, with HOST connected; undefined when HOST cannot be used (already
 * reported). `everyHost`: every registry host is connected too (what a fleet-wide check needs to
 * know); those that cannot be are reported, and only HOST's failure is fatal.
 */
export async function connectedGuest(context: CliContext, args: ParsedArgv, everyHost = false): Promise<{ host: string; guest: string } | undefined> {
  const host = positional(args, 0, 'host name');
  const guest = positional(args, 1, 'guest name');
  const { problems } = await connectForCommand(context, everyHost ? undefined : [host]);
  const others = problems.filter((problem) => problem.name !== host).map((problem) => problem.name);
  if (others.length > 0) context.err(`vfleet: warning: the guests of ${others.join(', ')} are not checked for conflicts\n`);
  return problems.some((problem) => problem.name === host) ? undefined : { host, guest };
}

export function printGuest(context: CliContext, guest: GuestView): number {
  context.out(`${guest.host}/${guest.name}: ${guest.state} (xid ${guest.xid}${guest.initPid ? `, init pid ${guest.initPid}` : ''})\n`);
  return EXIT_OK;
}

const FORCE_OPTION: OptionDef = { name: '--force', help: 'start a copy a migration disabled (moved away, or an unfinished arrival)' };

/** guest start, stop and restart: the action on HOST GUEST (Ctrl-C cancels it on the host), then the guest's state. */
export function guestStateCommand(verb: 'start' | 'stop' | 'restart', summary: string): VfleetCommand {
  return {
    spec: guestSpec(verb, summary, verb === 'start' ? [FORCE_OPTION] : []),
    run: async (context, args) => {
      const target = await connectedGuest(context, args);
      if (!target) return EXIT_FAILED;
      const params = verb === 'start' && args.flags.has('force') ? { ...target, force: true } : target;
      return printGuest(context, await interruptible(context, (signal) => context.core.invoke(`guest.${verb}`, params, signal)));
    },
  };
}
