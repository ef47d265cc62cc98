// What every agent command shares: its declaration, output in text or JSON, and the CLI words
// validated with the method's wire schema, so both faces accept exactly the same.
import type { CommandSpec, ParsedArgv } from '../../../shared/cli/argv';
import { lastValue, numberValue, UsageError } from '../../../shared/cli/argv';
import { checkAgentParams, type AgentMethodName, type AgentParsedParams } from '../../../shared/protocol/methods';
import { formatVserverStatus } from '../vserverFormats/vserverStatus';
import type { AgentContext } from '../operations/agentContext';
import type { GuestStatus } from '../../../shared/domain/guest';

export interface CommandOutput {
  json: boolean;
}

export interface AgentCommand {
  spec: CommandSpec;
  run: (context: AgentContext, args: ParsedArgv, output: CommandOutput) => Promise<number>;
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function emit<T>(output: CommandOutput, value: T, human: (value: T) => string): number {
  print(output.json ? JSON.stringify(value, null, 2) : human(value));
  return 0;
}

export function validated<M extends AgentMethodName>(method: M, params: unknown): AgentParsedParams<M> {
  const parsed = checkAgentParams(method, params);
  if (!parsed.ok) throw new UsageError(parsed.problem);
  return parsed.value;
}

export function guestName(args: ParsedArgv, spec: CommandSpec): string {
  const name = args.positionals[0];
  if (name === undefined) throw new UsageError(`missing guest name; usage: ${spec.name} ${spec.args ?? ''} (see ${spec.name} --help)`);
  return name;
}

const UNLIMITED_WORDS = new Set(['inf', 'none', 'unlimited', '-1']);

/** A limit option: absent keeps, inf/none removes, anything else sets. */
export function limitOption(args: ParsedArgv, key: string, numeric: boolean): string | number | null | undefined {
  const text = lastValue(args, key);
  if (text === undefined) return undefined;
  if (UNLIMITED_WORDS.has(text.toLowerCase())) return null;
  return numeric ? numberValue(args, key) : text;
}

/** vserver NAME status's text for a guest's state. */
export function statusText(name: string, status: Pick<GuestStatus, 'state' | 'xid' | 'processes' | 'uptimeMs'>): string {
  return formatVserverStatus(
    status.state === 'running'
      ? { state: 'running', name, xid: status.xid, processes: status.processes, uptimeMs: status.uptimeMs ?? 0 }
      : { state: 'stopped', name },
  );
}

/** stop and restart: the guest by name, then its state as `vserver NAME status` prints it. */
export function guestStateCommand(
  verb: 'stop' | 'restart',
  summary: string,
  action: (context: AgentContext, name: string) => Promise<GuestStatus>,
): AgentCommand {
  const spec: CommandSpec = { name: verb, args: 'NAME', summary, options: [] };
  return {
    spec,
    run: async (context, args, output) => {
      const { name } = validated(verb, { name: guestName(args, spec) });
      return emit(output, await action(context, name), (status) => statusText(status.name, status));
    },
  };
}
