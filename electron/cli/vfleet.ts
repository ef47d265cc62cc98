// The vfleet command line: the same fleet core and store as the desktop app, for scripts and
// terminals. Exit codes: 0 done, 1 an action or a host failed, 2 the command was wrong.
import { createFleetCore, type FleetCoreOptions } from '../core/fleet';
import { defaultKnownHostsFiles } from '../core/ssh/hostKeyVerifier';
import { HostError } from '../core/ssh/sshErrors';
import { parseArgs, UsageError, type ParsedArgs } from './cliArgs';
import { EXIT_FAILED, EXIT_USAGE, type CliContext } from './cliContext';
import { auditCommand } from './commands/auditCommand';
import { execCommand, guestCommand } from './commands/guestCommands';
import { hostsCommand, importCommand } from './commands/hostsCommands';
import { inventoryCommand, statCommand, watchCommand } from './commands/inventoryCommands';
import { askSecret } from './secretPrompt';

const USAGE = `usage: vfleet [--config-dir DIR] [--known-hosts FILE] [--connect-timeout S] COMMAND ...
  hosts add NAME ADDRESS [--port N] [--user U] [--key FILE [--passphrase]] [--password] [--jump HOST] [--tag T]... [--sudo|--no-sudo]
  hosts list [--json] | hosts remove NAME | hosts connect [NAME...]
  hosts approve NAME [SHA256:FINGERPRINT]     (without a fingerprint: show the key the host offers)
  import-ssh-config [FILE] [--apply]           import-ansible FILE [--apply]
  inventory [--hosts H,...] [--json]           every host and guest
  stat [--hosts H,...]                         vserver-stat across the fleet, with a HOST column
  guest start|stop|restart|delete HOST GUEST
  guest build HOST GUEST --xid N [--method busybox] [--hostname H] [--interface [DEV:]IP/PREFIX]
  guest limit HOST GUEST [--memory 256M] [--memory-soft 128M] [--processes N] [--cpu 0.5] [--cpuset 0-1]
  guest caps HOST GUEST [--add CAP,...] [--drop CAP,...]   guest uname HOST GUEST [--nodename N]
  guest exec HOST GUEST [--timeout S] -- CMD...
  exec [--hosts H|TAG,...] [--guests G,...] [--all-states] [--concurrency N] [--timeout S] [--json] -- CMD...
  watch [--interval S] [--count N]             live fleet summary
  audit [--host H] [--guest G] [--action A] [--since ISO] [--limit N] [--json]
the store is $VFLEET_CONFIG_DIR or ~/.config/vfleet; passwords and passphrases are asked for and kept in memory only`;

const GLOBAL = { values: ['--config-dir', '--known-hosts', '--connect-timeout'], flags: ['--help'] } as const;

/** Splits the global options (before the command word) from the command's own arguments. */
function splitGlobal(argv: readonly string[]): { global: ParsedArgs; command: string | undefined; rest: string[] } {
  let index = 0;
  const globalWords: string[] = [];
  while (index < argv.length && (argv[index] ?? '').startsWith('--')) {
    const word = argv[index] ?? '';
    globalWords.push(word);
    if ((GLOBAL.values as readonly string[]).includes(word.split('=')[0] ?? '') && !word.includes('=')) globalWords.push(argv[++index] ?? '');
    index += 1;
  }
  return { global: parseArgs(globalWords, GLOBAL), command: argv[index], rest: argv.slice(index + 1) };
}

export async function runVfleet(argv: readonly string[]): Promise<number> {
  const out = (text: string): void => { process.stdout.write(text); };
  const err = (text: string): void => { process.stderr.write(text); };
  let context: CliContext | undefined;
  try {
    const { global, command, rest } = splitGlobal(argv);
    if (!command || global.flags.has('--help') || command === 'help') {
      out(`${USAGE}\n`);
      return command ? 0 : EXIT_USAGE;
    }
    const options: FleetCoreOptions = { askSecret, healthIntervalMs: 1_000 };
    const configDir = global.options.get('--config-dir')?.at(-1);
    if (configDir) options.dataDir = configDir;
    const knownHosts = global.options.get('--known-hosts');
    if (knownHosts) options.knownHostsFiles = [...knownHosts, ...defaultKnownHostsFiles()];
    const connectTimeout = Number(global.options.get('--connect-timeout')?.at(-1) ?? 30);
    context = { core: await createFleetCore(options), out, err, connectTimeoutMs: connectTimeout * 1000 };
    switch (command) {
      case 'hosts': return await hostsCommand(context, rest);
      case 'import-ssh-config': return await importCommand(context, 'ssh_config', rest);
      case 'import-ansible': return await importCommand(context, 'ansible', rest);
      case 'inventory': return await inventoryCommand(context, rest);
      case 'stat': return await statCommand(context, rest);
      case 'guest': return await guestCommand(context, rest);
      case 'exec': return await execCommand(context, rest);
      case 'watch': return await watchCommand(context, rest);
      case 'audit': return await auditCommand(context, rest);
      default: throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err(`vfleet: ${error.message}\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    err(`vfleet: ${error instanceof HostError || error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  } finally {
    await context?.core.close();
  }
}

runVfleet(process.argv.slice(2)).then((code) => { process.exitCode = code; });
