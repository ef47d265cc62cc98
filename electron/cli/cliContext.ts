// What every vfleet command gets: the fleet core on the admin's store, and output streams.
import type { CommandSpec, ParsedArgv } from '../../shared/cli/argv';
import type { FleetCore } from '../core/fleet';
import type { HostStatus } from '../../shared/api/fleetState';

export interface CliContext {
  core: FleetCore;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Connect timeout per host, milliseconds. */
  connectTimeoutMs: number;
}

/** A vfleet command: its declaration (words, options, --help) and what it does. */
export interface VfleetCommand {
  spec: CommandSpec;
  run: (context: CliContext, args: ParsedArgv) => Promise<number>;
}

/** Prints a result as indented JSON. */
export function printJson(context: CliContext, value: unknown): number {
  context.out(`${JSON.stringify(value, null, 2)}\n`);
  return EXIT_OK;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Connects the hosts a command needs; reports those that cannot be used and returns the usable ones. */
export async function connectForCommand(context: CliContext, names?: string[]): Promise<{ usable: string[]; problems: HostStatus[] }> {
  const statuses = await context.core.invoke('hosts.connect', { ...(names ? { names } : {}), timeoutMs: context.connectTimeoutMs });
  const problems = statuses.filter((status) => status.connection !== 'connected' || status.agent === undefined);
  for (const problem of problems) context.err(`vfleet: ${problem.error ?? problem.agentError ?? `Host ${problem.name} is ${problem.connection}`}\n`);
  return { usable: statuses.filter((status) => !problems.includes(status)).map((status) => status.name), problems };
}

/** Runs a call that Ctrl-C cancels (through the API's abort signal: a build or start is stopped on its host). */
export async function interruptible<T>(context: CliContext, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = (): void => {
    context.err('vfleet: cancelling; waiting for the host to stop and clean up\n');
    controller.abort(new Error('interrupted'));
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
