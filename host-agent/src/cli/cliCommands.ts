// The agent's command line, named after util-vserver's commands; every command also speaks
// --json. Each command parses its words into the same validated params the RPC uses.
import { checkAgentParams, type AgentMethodName, type AgentParsedParams } from '../../../shared/protocol/methods';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { parseInterfaceSpec } from '../../../shared/validation';
import { formatVserverStatus, VSERVER_STATUS_STOPPED_EXIT, VSERVER_UNKNOWN_GUEST_EXIT } from '../vserverFormats/vserverStatus';
import { AgentError } from '../errors/agentError';
import { getGuestCaps, getGuestUname, setGuestCaps, setGuestUname } from '../operations/attributeOperations';
import type { AgentContext } from '../operations/agentContext';
import { buildGuestLocked } from '../operations/buildOperation';
import { enterGuest, execInGuest } from '../operations/execOperations';
import { hello, info, listGuests, processRows, statRows } from '../operations/inventoryOperations';
import {
  deleteGuest, guestStatus, restartGuest, startGuest, startMarkedGuests, stopGuest,
} from '../operations/lifecycleOperations';
import { getGuestLimits, setGuestLimits } from '../operations/limitOperations';
import { onTermination } from '../process/termination';
import { serveStdio } from '../rpc/serveStdio';
import { allValues, lastValue, parseArgs, UsageError, type OptionSpec, type ParsedArgs } from './argParser';
import { attachTerminal, collectOutput } from './guestTerminal';
import {
  formatCaps, formatInfo, formatLimits, formatList, formatPs, formatStat, formatUname,
} from './humanFormat';

export interface CommandOutput {
  json: boolean;
}

type CommandRun = (context: AgentContext, args: ParsedArgs, output: CommandOutput) => Promise<number>;

interface CommandDefinition {
  usage: string;
  options: Partial<OptionSpec>;
  run: CommandRun;
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function emit<T>(output: CommandOutput, value: T, human: (value: T) => string): number {
  print(output.json ? JSON.stringify(value, null, 2) : human(value));
  return 0;
}

/** Validates CLI words with the method's wire schema, so both faces accept exactly the same. */
function validated<M extends AgentMethodName>(method: M, params: unknown): AgentParsedParams<M> {
  const parsed = checkAgentParams(method, params);
  if (!parsed.ok) throw new UsageError(parsed.problem);
  return parsed.value;
}

function guestName(args: ParsedArgs, usage: string): string {
  const name = args.positionals[0];
  if (name === undefined) throw new UsageError(`missing guest name; usage: ${usage}`);
  return name;
}

function numberOption(args: ParsedArgs, key: string): number | undefined {
  const text = lastValue(args, key);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${key} needs a number, not '${text}'`);
  return value;
}

const UNLIMITED_WORDS = new Set(['inf', 'none', 'unlimited', '-1']);

/** A limit option: absent keeps, inf/none removes, anything else sets. */
function limitOption(args: ParsedArgs, key: string, numeric: boolean): string | number | null | undefined {
  const text = lastValue(args, key);
  if (text === undefined) return undefined;
  if (UNLIMITED_WORDS.has(text.toLowerCase())) return null;
  return numeric ? numberOption(args, key) : text;
}

/** util-vserver negation: "~NAME" or "!NAME" removes, "NAME" adds. */
function splitNegated(words: string[]): { add: string[]; drop: string[] } {
  const add: string[] = [];
  const drop: string[] = [];
  for (const word of words.flatMap((item) => item.split(','))) {
    if (word.startsWith('~') || word.startsWith('!')) drop.push(word.slice(1));
    else if (word) add.push(word);
  }
  return { add, drop };
}

const buildCommand: CommandDefinition = {
  usage: 'build NAME -m skeleton|busybox|template|rsync|debootstrap --context XID [--hostname H] [--domainname D] [--interface [DEV:]IP/PREFIX]... [--initstyle plain|sysv] [--mark MARK] [--source PATH|-t TARBALL] [-d DIST] [--mirror URL] [-- METHOD-ARGS [-- DEBOOTSTRAP-OPTIONS]]',
  options: {
    values: {
      '-m': 'method', '--method': 'method', '--context': 'context', '--hostname': 'hostname', '--domainname': 'domainname',
      '--interface': 'interface', '--initstyle': 'initstyle', '--mark': 'mark', '--source': 'source', '-t': 'source',
      '-d': 'distribution', '--mirror': 'mirror',
    },
  },
  run: async (context, args, output) => {
    const name = guestName(args, buildCommand.usage);
    // util-vserver puts method arguments after "--" (e.g. -- --source /srv/old or -- -d bookworm -m URL),
    // and debootstrap's own options after a second "--" (e.g. -- -d bookworm -- --include=openssh-server).
    const methodArgs = parseArgs(args.rest, {
      values: { '--source': 'source', '-t': 'source', '-d': 'distribution', '-m': 'mirror', '--mirror': 'mirror' },
      flags: {},
    });
    const pick = (key: string): string | undefined => lastValue(methodArgs, key) ?? lastValue(args, key);
    const contextText = lastValue(args, 'context');
    if (contextText === undefined) throw new UsageError('build needs --context XID (a static context id between 2 and 49151)');
    let interfaces;
    try {
      interfaces = allValues(args, 'interface').map(parseInterfaceSpec);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const params = validated('build', {
      name,
      method: lastValue(args, 'method'),
      xid: Number(contextText),
      hostname: lastValue(args, 'hostname'),
      domainname: lastValue(args, 'domainname'),
      interfaces,
      initStyle: lastValue(args, 'initstyle'),
      mark: lastValue(args, 'mark'),
      source: pick('source'),
      distribution: pick('distribution'),
      mirror: pick('mirror'),
      debootstrapOptions: methodArgs.rest.length > 0 ? methodArgs.rest : undefined,
    });
    const cancel = new AbortController();
    const building = buildGuestLocked(context, params, cancel.signal);
    // On SIGINT/SIGTERM the build removes its temporary directories before the agent exits.
    const removeHandler = onTermination(async () => {
      cancel.abort();
      await building.catch(() => undefined);
    });
    try {
      const result = await building;
      return emit(output, result, ({ config }) => `Guest '${config.name}' built at context ${config.xid} in ${config.rootDir} (start it with: start ${config.name})`);
    } finally {
      removeHandler();
    }
  },
};

const startCommand: CommandDefinition = {
  usage: 'start NAME | start --marked MARK',
  options: { values: { '--marked': 'marked', '-m': 'marked' } },
  run: async (context, args, output) => {
    const mark = lastValue(args, 'marked');
    if (mark !== undefined) {
      const result = await startMarkedGuests(context, validated('startMarked', { mark }).mark);
      emit(output, result, ({ results }) =>
        results.length === 0
          ? `No guest is marked '${mark}'`
          : results.map((entry) => (entry.ok ? `${entry.name}: running at context ${entry.status?.xid}` : `${entry.name}: FAILED: ${entry.error}`)).join('\n'));
      return result.results.every((entry) => entry.ok) ? 0 : 1;
    }
    const { name } = validated('start', { name: guestName(args, startCommand.usage) });
    return emit(output, await startGuest(context, name), (status) => `Vserver '${status.name}' is running at context '${status.xid}'`);
  },
};

function lifecycleCommand(verb: 'stop' | 'restart', action: (context: AgentContext, name: string) => ReturnType<typeof stopGuest>): CommandDefinition {
  const definition: CommandDefinition = {
    usage: `${verb} NAME`,
    options: {},
    run: async (context, args, output) => {
      const { name } = validated(verb, { name: guestName(args, definition.usage) });
      return emit(output, await action(context, name), (status) => formatVserverStatus(
        status.state === 'running'
          ? { state: 'running', name: status.name, xid: status.xid, processes: status.processes, uptimeMs: status.uptimeMs ?? 0 }
          : { state: 'stopped', name: status.name },
      ));
    },
  };
  return definition;
}

const statusCommand: CommandDefinition = {
  usage: 'status NAME',
  options: {},
  run: async (context, args, output) => {
    const { name } = validated('status', { name: guestName(args, statusCommand.usage) });
    const status = await guestStatus(context, name);
    emit(output, status, () => formatVserverStatus(
      status.state === 'running'
        ? { state: 'running', name, xid: status.xid, processes: status.processes, uptimeMs: status.uptimeMs ?? 0 }
        : { state: 'stopped', name },
    ));
    return status.state === 'running' ? 0 : VSERVER_STATUS_STOPPED_EXIT;
  },
};

const execCommand: CommandDefinition = {
  usage: 'exec NAME [--] CMD [ARGS...]',
  options: { stopAfterPositionals: 1 },
  run: async (context, args, output) => {
    const params = validated('exec', { name: guestName(args, execCommand.usage), argv: args.rest });
    const guestProcess = await execInGuest(context, params.name, params.argv);
    if (output.json) {
      const result = await collectOutput(guestProcess);
      print(JSON.stringify(result, null, 2));
      return result.exitCode;
    }
    return attachTerminal(guestProcess, false);
  },
};

const enterCommand: CommandDefinition = {
  usage: 'enter NAME',
  options: {},
  run: async (context, args) => {
    const { name } = validated('enter', { name: guestName(args, enterCommand.usage) });
    return attachTerminal(await enterGuest(context, name), true);
  },
};

const limitCommand: CommandDefinition = {
  usage: 'limit NAME [--memory SIZE] [--memory-soft SIZE] [--procs N] [--cpu SHARE | --fill-rate N --interval N] [--cpuset LIST] [--io-weight N] (inf removes a limit)',
  options: {
    values: {
      '--memory': 'memory', '--memory-soft': 'memory-soft', '--procs': 'procs', '--cpu': 'cpu', '--fill-rate': 'fill-rate',
      '--interval': 'interval', '--cpuset': 'cpuset', '--io-weight': 'io-weight',
    },
  },
  run: async (context, args, output) => {
    const name = guestName(args, limitCommand.usage);
    if (args.values.size === 0) return emit(output, await getGuestLimits(context, validated('limitGet', { name }).name), formatLimits);
    const params = validated('limitSet', {
      name,
      limits: {
        memoryHard: limitOption(args, 'memory', false),
        memorySoft: limitOption(args, 'memory-soft', false),
        processes: limitOption(args, 'procs', true),
        cpu: limitOption(args, 'cpu', true),
        cpuFillRate: limitOption(args, 'fill-rate', true),
        cpuInterval: limitOption(args, 'interval', true),
        cpuSet: limitOption(args, 'cpuset', false),
        ioWeight: limitOption(args, 'io-weight', true),
      },
    });
    return emit(output, await setGuestLimits(context, params.name, params.limits), formatLimits);
  },
};

const capsCommand: CommandDefinition = {
  usage: 'caps NAME [--add CAP]... [--drop CAP]... [--ccap [~]CCAP]... [--ccap-drop CCAP]...',
  options: { values: { '--add': 'add', '--bcap': 'add', '--drop': 'drop', '--ccap': 'ccap', '--ccap-drop': 'ccap-drop' } },
  run: async (context, args, output) => {
    const name = guestName(args, capsCommand.usage);
    if (args.values.size === 0) return emit(output, await getGuestCaps(context, validated('capsGet', { name }).name), formatCaps);
    const bcaps = splitNegated(allValues(args, 'add'));
    const ccaps = splitNegated(allValues(args, 'ccap'));
    const params = validated('capsSet', {
      name,
      add: bcaps.add,
      drop: [...bcaps.drop, ...allValues(args, 'drop')],
      ccapAdd: ccaps.add,
      ccapDrop: [...ccaps.drop, ...allValues(args, 'ccap-drop')],
    });
    return emit(output, await setGuestCaps(context, params), formatCaps);
  },
};

const unameCommand: CommandDefinition = {
  usage: 'uname NAME [--nodename H] [--domainname D] [--flag [~]FLAG]...',
  options: { values: { '--nodename': 'nodename', '--hostname': 'nodename', '--domainname': 'domainname', '--flag': 'flag' } },
  run: async (context, args, output) => {
    const name = guestName(args, unameCommand.usage);
    if (args.values.size === 0) return emit(output, await getGuestUname(context, validated('unameGet', { name }).name), formatUname);
    const flags = splitNegated(allValues(args, 'flag'));
    const params = validated('unameSet', {
      name, nodename: lastValue(args, 'nodename'), domainname: lastValue(args, 'domainname'), flagAdd: flags.add, flagDrop: flags.drop,
    });
    return emit(output, await setGuestUname(context, params), formatUname);
  },
};

const deleteCommand: CommandDefinition = {
  usage: 'delete NAME',
  options: {},
  run: async (context, args, output) => {
    const { name } = validated('delete', { name: guestName(args, deleteCommand.usage) });
    return emit(output, await deleteGuest(context, name), () => `Guest '${name}' deleted (root, configuration and kernel objects removed)`);
  },
};

export const COMMANDS: Record<string, CommandDefinition> = {
  build: buildCommand,
  start: startCommand,
  stop: lifecycleCommand('stop', stopGuest),
  restart: lifecycleCommand('restart', restartGuest),
  status: statusCommand,
  exec: execCommand,
  enter: enterCommand,
  stat: { usage: 'stat', options: {}, run: async (context, _args, output) => emit(output, await statRows(context), formatStat) },
  ps: {
    usage: 'ps [NAME]',
    options: {},
    run: async (context, args, output) => {
      const name = args.positionals[0];
      if (name !== undefined) validated('ps', { name });
      return emit(output, await processRows(context, name), formatPs);
    },
  },
  list: { usage: 'list', options: {}, run: async (context, _args, output) => emit(output, await listGuests(context), formatList) },
  info: { usage: 'info', options: {}, run: async (context, _args, output) => emit(output, await info(context), formatInfo) },
  hello: { usage: 'hello', options: {}, run: async (context, _args) => emit({ json: true }, await hello(context), () => '') },
  limit: limitCommand,
  caps: capsCommand,
  uname: unameCommand,
  delete: deleteCommand,
  serve: {
    usage: 'serve --stdio',
    options: { flags: { '--stdio': 'stdio' } },
    run: async (context, args) => {
      if (!args.flags.has('stdio')) throw new UsageError('serve speaks JSON lines on stdin/stdout only: use serve --stdio');
      return serveStdio(context);
    },
  },
};

/** util-vserver's exit codes: unknown guest 5, usage 2, any other failure 1. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return 2;
  if (error instanceof AgentError && error.code === ERROR_CODES.notFound) return VSERVER_UNKNOWN_GUEST_EXIT;
  return 1;
}
