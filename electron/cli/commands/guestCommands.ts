// vfleet guest build|start|stop|restart|delete|limit|exec|caps|uname HOST GUEST ..., and
// vfleet exec across the fleet.
import type { BuildParams } from '../../../shared/protocol/schemas';
import type { ExecOutcome } from '../../../shared/api/guestActions';
import type { GuestView } from '../../../shared/api/fleetState';
import { listOption, numberOption, option, parseArgs, positional, UsageError } from '../cliArgs';
import { connectForCommand, EXIT_FAILED, EXIT_OK, type CliContext } from '../cliContext';
import { formatBytes } from '../textTable';

const GUEST_SUBCOMMANDS = ['build', 'start', 'stop', 'restart', 'delete', 'limit', 'caps', 'uname', 'exec'];

export async function guestCommand(context: CliContext, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!GUEST_SUBCOMMANDS.includes(sub ?? '')) {
    throw new UsageError(`unknown guest command ${sub ?? '(none)'}: use ${GUEST_SUBCOMMANDS.join(', ')}`);
  }
  const args = parseArgs(rest, {
    values: ['--method', '--xid', '--hostname', '--interface', '--source', '--memory', '--memory-soft', '--processes', '--cpu', '--cpuset', '--timeout', '--add', '--drop', '--nodename', '--domainname'],
    flags: ['--json'],
  });
  const host = positional(args, 0, 'host name');
  const guest = positional(args, 1, 'guest name');
  const { problems } = await connectForCommand(context, [host]);
  if (problems.length > 0) return EXIT_FAILED;
  const ref = { host, guest };
  switch (sub) {
    case 'build': {
      const xid = numberOption(args, '--xid');
      if (xid === undefined) throw new UsageError('guest build needs --xid N (the context id)');
      const build = {
        name: guest,
        method: (option(args, '--method') ?? 'busybox') as BuildParams['method'],
        xid,
        ...(option(args, '--hostname') ? { hostname: option(args, '--hostname') } : {}),
        ...(option(args, '--source') ? { source: option(args, '--source') } : {}),
        interfaces: (args.options.get('--interface') ?? []).map(parseInterface),
      };
      return printGuest(context, await context.core.invoke('guest.build', { host, build }));
    }
    case 'start': return printGuest(context, await context.core.invoke('guest.start', ref));
    case 'stop': return printGuest(context, await context.core.invoke('guest.stop', ref));
    case 'restart': return printGuest(context, await context.core.invoke('guest.restart', ref));
    case 'delete':
      await context.core.invoke('guest.delete', ref);
      context.out(`deleted ${guest} on ${host}\n`);
      return EXIT_OK;
    case 'limit': {
      const changes = {
        ...(option(args, '--memory') ? { memoryHard: option(args, '--memory') } : {}),
        ...(option(args, '--memory-soft') ? { memorySoft: option(args, '--memory-soft') } : {}),
        ...(numberOption(args, '--processes') !== undefined ? { processes: numberOption(args, '--processes') } : {}),
        ...(numberOption(args, '--cpu') !== undefined ? { cpu: numberOption(args, '--cpu') } : {}),
        ...(option(args, '--cpuset') ? { cpuSet: option(args, '--cpuset') } : {}),
      };
      const result = await context.core.invoke('guest.limits', { ...ref, ...(Object.keys(changes).length > 0 ? { changes } : {}) });
      if (args.flags.has('--json')) context.out(`${JSON.stringify(result, null, 2)}\n`);
      else {
        const { limits, memoryCurrent, processesCurrent, memoryHits, processesHits } = result.usage;
        context.out(`${host}/${guest}: memory ${formatBytes(memoryCurrent)} of ${limits.memoryHard !== undefined ? formatBytes(limits.memoryHard) : 'unlimited'} (${memoryHits} hits), ` +
          `processes ${processesCurrent} of ${limits.processes ?? 'unlimited'} (${processesHits} hits)${result.running ? (result.appliedLive ? ', applied live' : '') : ', guest stopped'}\n`);
      }
      return EXIT_OK;
    }
    case 'caps': {
      const add = listOption(args, '--add');
      const drop = listOption(args, '--drop');
      const result = await context.core.invoke('guest.capabilities', { ...ref, ...(add || drop ? { changes: { ...(add ? { add } : {}), ...(drop ? { drop } : {}) } } : {}) });
      context.out(`${host}/${guest}: bcapabilities ${result.bcapabilities.join(',') || '-'}; ccapabilities ${result.ccapabilities.join(',') || '-'}\n`);
      return EXIT_OK;
    }
    case 'uname': {
      const changes = { ...(option(args, '--nodename') ? { nodename: option(args, '--nodename') } : {}), ...(option(args, '--domainname') ? { domainname: option(args, '--domainname') } : {}) };
      const result = await context.core.invoke('guest.uname', { ...ref, ...(Object.keys(changes).length > 0 ? { changes } : {}) });
      context.out(`${host}/${guest}: nodename ${result.nodename}, domainname ${result.domainname || '-'}\n`);
      return EXIT_OK;
    }
    case 'exec': {
      if (args.command.length === 0) throw new UsageError('guest exec needs a command after --');
      const timeout = numberOption(args, '--timeout');
      const outcome = await context.core.invoke('guest.exec', { ...ref, argv: args.command, ...(timeout ? { timeoutMs: timeout * 1000 } : {}) });
      process.stdout.write(outcome.stdout);
      process.stderr.write(outcome.stderr);
      if (outcome.error) context.err(`vfleet: ${outcome.error}\n`);
      return outcome.exitCode ?? EXIT_FAILED;
    }
    default:
      throw new UsageError(`unknown guest command ${sub}`);
  }
}

function parseInterface(text: string): { ip: string; prefix: number; dev?: string } {
  const match = /^(?:([^:]+):)?([^/]+)\/(\d+)$/.exec(text);
  if (!match) throw new UsageError(`--interface takes [DEV:]IP/PREFIX, not "${text}"`);
  return { ip: match[2] ?? '', prefix: Number(match[3]), ...(match[1] ? { dev: match[1] } : {}) };
}

function printGuest(context: CliContext, guest: GuestView): number {
  context.out(`${guest.host}/${guest.name}: ${guest.state} (xid ${guest.xid}${guest.initPid ? `, init pid ${guest.initPid}` : ''})\n`);
  return EXIT_OK;
}

export async function execCommand(context: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['--hosts', '--guests', '--concurrency', '--timeout'], flags: ['--json', '--all-states'] });
  if (args.command.length === 0) throw new UsageError('exec needs a command after --');
  const hosts = listOption(args, '--hosts');
  const chosen = hosts && context.core.registry.list().filter((host) => hosts.includes(host.name) || host.tags.some((tag) => hosts.includes(tag)));
  await connectForCommand(context, chosen?.map((host) => host.name));
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onInterrupt);
  try {
    const guests = listOption(args, '--guests');
    const concurrency = numberOption(args, '--concurrency');
    const timeout = numberOption(args, '--timeout');
    const result = await context.core.invoke('fleet.exec', {
      argv: args.command,
      ...(hosts ? { hosts } : {}),
      ...(guests ? { guests } : {}),
      ...(args.flags.has('--all-states') ? { state: 'any' as const } : {}),
      ...(concurrency ? { concurrency } : {}),
      ...(timeout ? { timeoutMs: timeout * 1000 } : {}),
    }, controller.signal);
    if (args.flags.has('--json')) context.out(`${JSON.stringify(result, null, 2)}\n`);
    else for (const outcome of result.results) context.out(describeOutcome(outcome));
    for (const miss of result.unmatched) context.err(`vfleet: ${miss}\n`);
    const failed = result.results.filter((outcome) => outcome.exitCode !== 0);
    if (!args.flags.has('--json')) context.out(`${result.results.length - failed.length} of ${result.results.length} succeeded${result.cancelled ? ' (cancelled)' : ''}\n`);
    return failed.length === 0 && result.unmatched.length === 0 && result.results.length > 0 ? EXIT_OK : EXIT_FAILED;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

function describeOutcome(outcome: ExecOutcome): string {
  const status = outcome.error ? `error: ${outcome.error}` : `exit ${outcome.exitCode}`;
  const body = [outcome.stdout, outcome.stderr].filter((text) => text !== '').join('').replace(/\n?$/, '\n');
  return `== ${outcome.host}/${outcome.guest || '-'}: ${status}\n${body === '\n' ? '' : body}`;
}
