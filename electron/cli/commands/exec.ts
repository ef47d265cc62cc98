// vfleet exec -- CMD...: one command in many guests across the fleet.
import { JSON_OPTION, listValue, numberValue, UsageError, type OptionDef } from '../../../shared/cli/argv';
import type { ExecOutcome } from '../../../shared/api/guestActions';
import { connectForCommand, EXIT_FAILED, EXIT_OK, interruptible, type VfleetCommand } from '../cliContext';
import { HOSTS_OPTION } from '../fleetSummary';

export const TIMEOUT_OPTION: OptionDef = { name: '--timeout', value: 'S', help: 'give up on a guest after S seconds' };

export const execCommand: VfleetCommand = {
  spec: {
    name: 'exec',
    args: '-- CMD...',
    summary: 'Runs one command in every matching running guest and reports each outcome.',
    options: [
      { ...HOSTS_OPTION, value: 'H|TAG,...', help: 'only these hosts, or hosts with these tags' },
      { name: '--guests', value: 'G,...', help: 'only these guests' },
      { name: '--all-states', help: 'stopped guests too' },
      { name: '--concurrency', value: 'N', help: 'at most N guests at a time' },
      TIMEOUT_OPTION,
      JSON_OPTION,
    ],
  },
  run: async (context, args) => {
    if (args.rest.length === 0) throw new UsageError('exec needs a command after --');
    const hosts = listValue(args, 'hosts');
    const chosen = hosts && context.core.registry.list().filter((host) => hosts.includes(host.name) || host.tags.some((tag) => hosts.includes(tag)));
    await connectForCommand(context, chosen?.map((host) => host.name));
    const guests = listValue(args, 'guests');
    const concurrency = numberValue(args, 'concurrency');
    const timeout = numberValue(args, 'timeout');
    const result = await interruptible(context, (signal) => context.core.invoke('fleet.exec', {
      argv: args.rest,
      ...(hosts ? { hosts } : {}),
      ...(guests ? { guests } : {}),
      ...(args.flags.has('all-states') ? { state: 'any' as const } : {}),
      ...(concurrency ? { concurrency } : {}),
      ...(timeout ? { timeoutMs: timeout * 1000 } : {}),
    }, signal));
    const json = args.flags.has('json');
    if (json) context.out(`${JSON.stringify(result, null, 2)}\n`);
    else for (const outcome of result.results) context.out(describeOutcome(outcome));
    for (const miss of result.unmatched) context.err(`vfleet: ${miss}\n`);
    const failed = result.results.filter((outcome) => outcome.exitCode !== 0);
    if (!json) context.out(`${result.results.length - failed.length} of ${result.results.length} succeeded${result.cancelled ? ' (cancelled)' : ''}\n`);
    return failed.length === 0 && result.unmatched.length === 0 && result.results.length > 0 ? EXIT_OK : EXIT_FAILED;
  },
};

function describeOutcome(outcome: ExecOutcome): string {
  const status = outcome.error ? `error: ${outcome.error}` : `exit ${outcome.exitCode}`;
  const body = [outcome.stdout, outcome.stderr].filter((text) => text !== '').join('').replace(/\n?$/, '\n');
  return `== ${outcome.host}/${outcome.guest || '-'}: ${status}\n${body === '\n' ? '' : body}`;
}
