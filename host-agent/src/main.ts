// vfleet-agent: one bundled file, two faces over one implementation — util-vserver style
// commands for admins and `serve --stdio` (JSON lines) for the vfleet app.
import { AGENT_VERSION } from './agentVersion';
import {
  commandHelp, commandSynopsis, HELP_OPTION, JSON_OPTION, lastValue, parseArgv, UsageError, type OptionDef,
} from '../../shared/cli/argv';
import { AGENT_COMMANDS, exitCodeOf, findAgentCommand } from './cli/commandRegistry';
import { asAgentError, AgentError } from './errors/agentError';
import { resolveAgentPaths } from './host/agentPaths';
import { createHostDriver } from './host/driverSelection';
import { AgentContext } from './operations/agentContext';
import { sealAgentEnvironment } from './process/hostEnvironment';
import { RELAY_COMMAND, runRelayCommand } from './migration/relayPipe';

/** Options every command takes, before or after the command word. */
const GLOBAL_OPTIONS: readonly OptionDef[] = [
  { name: '--config-base', value: 'DIR', help: 'guest configurations (default /etc/vservers or $VFLEET_CONFIG_BASE)' },
  { name: '--guest-base', value: 'DIR', help: 'guest roots (default /vservers or $VFLEET_GUEST_BASE)' },
  JSON_OPTION,
  HELP_OPTION,
];
const PROGRAM_SPEC = { name: '', options: [...GLOBAL_OPTIONS, { name: '--version', help: 'print the agent version' }], stopAfterPositionals: 0 };

function usage(): string {
  return [
    `vfleet-agent ${AGENT_VERSION}: manages the guests (contexts) of this host`,
    'usage: vfleet-agent [--config-base DIR] [--guest-base DIR] [--json] COMMAND ...   (COMMAND --help for its options)',
    '',
    ...AGENT_COMMANDS.map((command) => `  ${commandSynopsis(command.spec)}`),
    '',
    'Bases default to /etc/vservers and /vservers (or VFLEET_CONFIG_BASE / VFLEET_GUEST_BASE).',
    '',
  ].join('\n');
}

function reportError(error: unknown, json: boolean): number {
  const code = exitCodeOf(error);
  if (error instanceof UsageError) {
    process.stderr.write(`vfleet-agent: ${error.message}\n`);
    return code;
  }
  const agentError: AgentError = asAgentError(error);
  if (json) process.stdout.write(`${JSON.stringify({ error: { ...agentError.toJSON(), message: agentError.message } }, null, 2)}\n`);
  process.stderr.write(`vfleet-agent: ${agentError.message}\n`);
  return code;
}

async function main(argv: string[]): Promise<number> {
  sealAgentEnvironment();
  let json = argv.includes('--json');
  try {
    // Plumbing of a relayed migration (migration/relayPipe.ts): no driver, no admin options.
    if (argv[0] === RELAY_COMMAND) return await runRelayCommand(resolveAgentPaths({}), argv.slice(1));
    const globals = parseArgv(argv, PROGRAM_SPEC);
    if (globals.flags.has('version')) {
      process.stdout.write(`${AGENT_VERSION}\n`);
      return 0;
    }
    const [commandName, ...words] = globals.rest;
    const command = commandName === undefined ? undefined : findAgentCommand(commandName);
    if (!command) {
      const helpWanted = globals.flags.has('help');
      (helpWanted ? process.stdout : process.stderr).write(commandName && !helpWanted ? `vfleet-agent: unknown command '${commandName}'\n${usage()}` : usage());
      return helpWanted ? 0 : 2;
    }
    const spec = { ...command.spec, options: [...command.spec.options, ...GLOBAL_OPTIONS] };
    if (globals.flags.has('help')) {
      process.stdout.write(commandHelp('vfleet-agent', spec));
      return 0;
    }
    const args = parseArgv(words, spec);
    json = globals.flags.has('json') || args.flags.has('json');
    if (args.flags.has('help')) {
      process.stdout.write(commandHelp('vfleet-agent', spec));
      return 0;
    }
    const pick = (key: string): string | undefined => lastValue(args, key) ?? lastValue(globals, key);
    const paths = resolveAgentPaths({ configBase: pick('config-base'), guestBase: pick('guest-base') });
    for (const key of ['config-base', 'guest-base']) args.values.delete(key);
    const context = new AgentContext(await createHostDriver(paths), paths);
    return await command.run(context, args, { json });
  } catch (error) {
    return reportError(error, json);
  }
}

main(process.argv.slice(2)).then(
  // Pending timers or handles of a finished command must not keep the agent alive.
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`vfleet-agent: unexpected failure: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
