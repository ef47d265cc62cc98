// The vfleet command line: the same fleet core and store as the desktop app, for scripts and
// terminals. Exit codes: 0 done, 1 an action or a host failed, 2 the command was wrong.
import { createFleetCore, type FleetCoreOptions } from '../core/fleet';
import { defaultKnownHostsFiles } from '../core/ssh/hostKeyVerifier';
import { HostError } from '../core/ssh/sshErrors';
import {
  commandHelp, commandSynopsis, HELP_OPTION, parseArgv, UsageError, type OptionDef,
} from '../../shared/cli/argv';
import { EXIT_FAILED, EXIT_USAGE, type CliContext } from './cliContext';
import { findVfleetCommand, groupCommands, VFLEET_COMMANDS } from './commandRegistry';
import { askSecret } from './secretPrompt';

/** Options before the command word. */
const GLOBAL_SPEC = {
  name: '',
  options: [
    { name: '--config-dir', value: 'DIR', help: 'the store (default $VFLEET_CONFIG_DIR or ~/.config/vfleet)' },
    { name: '--known-hosts', value: 'FILE', help: 'also trust the host keys in this known_hosts file' },
    { name: '--connect-timeout', value: 'S', help: 'seconds to wait for each host (default 30)' },
    HELP_OPTION,
  ] satisfies OptionDef[],
  stopAfterPositionals: 0,
};

function usage(group?: string): string {
  const commands = VFLEET_COMMANDS.filter((command) => group === undefined || command.spec.name.startsWith(`${group} `));
  return [
    'usage: vfleet [--config-dir DIR] [--known-hosts FILE] [--connect-timeout S] COMMAND ...   (COMMAND --help for its options)',
    ...commands.map((command) => `  ${commandSynopsis(command.spec)}`),
    'the store is $VFLEET_CONFIG_DIR or ~/.config/vfleet; passwords and passphrases are asked for and kept in memory only',
  ].join('\n');
}

/** The command and its parsed words, or the usage error naming what was wrong. */
function resolveCommand(words: readonly string[]): { command: (typeof VFLEET_COMMANDS)[number]; rest: string[] } {
  const found = findVfleetCommand(words);
  if (found) return found;
  const [first = '', second] = words;
  const group = groupCommands(first);
  if (group.length > 0) throw new UsageError(`unknown ${first} command ${second ?? '(none)'}: use ${group.join(', ')}`);
  throw new UsageError(`unknown command ${first}`);
}

export async function runVfleet(argv: readonly string[]): Promise<number> {
  const out = (text: string): void => { process.stdout.write(text); };
  const err = (text: string): void => { process.stderr.write(text); };
  let context: CliContext | undefined;
  let group: string | undefined;
  try {
    const global = parseArgv(argv, GLOBAL_SPEC);
    const words = global.rest;
    if (words.length === 0 || global.flags.has('help') || words[0] === 'help') {
      out(`${usage()}\n`);
      return words.length > 0 || global.flags.has('help') ? 0 : EXIT_USAGE;
    }
    if (groupCommands(words[0] ?? '').length > 0) group = words[0];
    if (group !== undefined && (words[1] === '--help' || words[1] === '-h')) {
      out(`${usage(group)}\n`);
      return 0;
    }
    const { command, rest } = resolveCommand(words);
    const spec = { ...command.spec, options: [...command.spec.options, HELP_OPTION] };
    const args = parseArgv(rest, spec);
    if (args.flags.has('help')) {
      out(commandHelp('vfleet', spec));
      return 0;
    }
    const options: FleetCoreOptions = { askSecret, healthIntervalMs: 1_000 };
    const configDir = global.values.get('config-dir')?.at(-1);
    if (configDir) options.dataDir = configDir;
    const knownHosts = global.values.get('known-hosts');
    if (knownHosts) options.knownHostsFiles = [...knownHosts, ...defaultKnownHostsFiles()];
    const connectTimeout = Number(global.values.get('connect-timeout')?.at(-1) ?? 30);
    context = { core: await createFleetCore(options), out, err, connectTimeoutMs: connectTimeout * 1000 };
    return await command.run(context, args);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`vfleet: ${error.message}\n${usage(group)}\n`);
      return EXIT_USAGE;
    }
    err(`vfleet: ${error instanceof HostError || error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  } finally {
    await context?.core.close();
  }
}

runVfleet(process.argv.slice(2)).then((code) => { process.exitCode = code; });
