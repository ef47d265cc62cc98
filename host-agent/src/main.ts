// vfleet-agent: one bundled file, two faces over one implementation — util-vserver style
// commands for admins and `serve --stdio` (JSON lines) for the vfleet app.
import { AGENT_VERSION } from './agentVersion';
import { parseArgs, UsageError, type ParsedArgs } from './cli/argParser';
import { COMMANDS, exitCodeOf } from './cli/cliCommands';
import { asAgentError, AgentError } from './errors/agentError';
import { resolveAgentPaths } from './host/agentPaths';
import { createHostDriver } from './host/driverSelection';
import { AgentContext } from './operations/agentContext';
import { sealAgentEnvironment } from './process/hostEnvironment';

const GLOBAL_VALUES = { '--config-base': 'config-base', '--guest-base': 'guest-base' };
const GLOBAL_FLAGS = { '--json': 'json', '--help': 'help', '-h': 'help', '--version': 'version' };

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([, definition]) => `  ${definition.usage}`);
  return [
    `vfleet-agent ${AGENT_VERSION}: manages the guests (contexts) of this host`,
    'usage: vfleet-agent [--config-base DIR] [--guest-base DIR] [--json] COMMAND ...',
    '',
    ...lines,
    '',
    'Bases default to /etc/vservers and /vservers (or VFLEET_CONFIG_BASE / VFLEET_GUEST_BASE).',
    '',
  ].join('\n');
}

/** Splits the leading global options from the command word and its own words. */
function splitCommand(argv: string[]): { globals: ParsedArgs; command: string | undefined; words: string[] } {
  const commandIndex = argv.findIndex((word, index) => !word.startsWith('-') && !Object.keys(GLOBAL_VALUES).includes(argv[index - 1] ?? ''));
  const leading = commandIndex === -1 ? argv : argv.slice(0, commandIndex);
  return {
    globals: parseArgs(leading, { values: GLOBAL_VALUES, flags: GLOBAL_FLAGS }),
    command: commandIndex === -1 ? undefined : argv[commandIndex],
    words: commandIndex === -1 ? [] : argv.slice(commandIndex + 1),
  };
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
  const { globals, command, words } = splitCommand(argv);
  if (globals.flags.has('version')) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  const definition = command === undefined ? undefined : COMMANDS[command];
  if (!definition || globals.flags.has('help')) {
    (definition || globals.flags.has('help') ? process.stdout : process.stderr).write(command && !definition ? `vfleet-agent: unknown command '${command}'\n${usage()}` : usage());
    return definition || globals.flags.has('help') ? 0 : 2;
  }
  let json = globals.flags.has('json');
  try {
    const args = parseArgs(words, {
      values: { ...definition.options.values, ...GLOBAL_VALUES },
      flags: { ...definition.options.flags, ...GLOBAL_FLAGS },
      stopAfterPositionals: definition.options.stopAfterPositionals,
    });
    json ||= args.flags.has('json');
    if (args.flags.has('help')) {
      process.stdout.write(`usage: vfleet-agent ${definition.usage}\n`);
      return 0;
    }
    const pick = (key: string): string | undefined => args.values.get(key)?.at(-1) ?? globals.values.get(key)?.at(-1);
    const paths = resolveAgentPaths({ configBase: pick('config-base'), guestBase: pick('guest-base') });
    for (const key of Object.values(GLOBAL_VALUES)) args.values.delete(key);
    const context = new AgentContext(await createHostDriver(paths), paths);
    return await definition.run(context, args, { json });
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
