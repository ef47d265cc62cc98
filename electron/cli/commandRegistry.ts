// Every vfleet command, one file each under commands/, in the order --help lists them. A command
// is one or two words (`stat`, `guest limit`).
import type { VfleetCommand } from './cliContext';
import { auditCommand } from './commands/audit';
import { evacuateCommand } from './commands/evacuate';
import { execCommand } from './commands/exec';
import { failoverCommand } from './commands/failover';
import { guestBuildCommand } from './commands/guestBuild';
import { guestCapsCommand } from './commands/guestCaps';
import { guestDeleteCommand } from './commands/guestDelete';
import { guestExecCommand } from './commands/guestExec';
import { guestLimitCommand } from './commands/guestLimit';
import { guestRestartCommand } from './commands/guestRestart';
import { guestStartCommand } from './commands/guestStart';
import { guestStopCommand } from './commands/guestStop';
import { guestUnameCommand } from './commands/guestUname';
import { hostsAddCommand } from './commands/hostsAdd';
import { hostsApproveCommand } from './commands/hostsApprove';
import { hostsConnectCommand } from './commands/hostsConnect';
import { hostsListCommand } from './commands/hostsList';
import { hostsRemoveCommand } from './commands/hostsRemove';
import { importAnsibleCommand } from './commands/importAnsible';
import { importSshConfigCommand } from './commands/importSshConfig';
import { inventoryCommand } from './commands/inventory';
import { migrateCommand } from './commands/migrate';
import { migrationsCommand } from './commands/migrations';
import { replicasCommand } from './commands/replicas';
import { replicateCommand } from './commands/replicate';
import { statCommand } from './commands/stat';
import { uiCommand } from './commands/ui';
import { watchCommand } from './commands/watch';

export const VFLEET_COMMANDS: readonly VfleetCommand[] = [
  hostsAddCommand, hostsListCommand, hostsRemoveCommand, hostsConnectCommand, hostsApproveCommand,
  importSshConfigCommand, importAnsibleCommand, inventoryCommand, statCommand,
  guestBuildCommand, guestStartCommand, guestStopCommand, guestRestartCommand, guestDeleteCommand,
  guestLimitCommand, guestCapsCommand, guestUnameCommand, guestExecCommand,
  execCommand, migrateCommand, migrationsCommand, evacuateCommand, replicateCommand, replicasCommand, failoverCommand, watchCommand, auditCommand, uiCommand,
];

/** The command named by the first one or two words, and the words after its name. */
export function findVfleetCommand(words: readonly string[]): { command: VfleetCommand; rest: string[] } | undefined {
  for (const length of [2, 1]) {
    const name = words.slice(0, length).join(' ');
    const command = VFLEET_COMMANDS.find((candidate) => candidate.spec.name === name);
    if (command && words.length >= length) return { command, rest: words.slice(length) };
  }
  return undefined;
}

/** The subcommands of a group word such as `guest`, for the error when the second word is wrong. */
export function groupCommands(group: string): string[] {
  return VFLEET_COMMANDS.map((command) => command.spec.name.split(' ')).filter((words) => words.length === 2 && words[0] === group).map((words) => words[1] ?? '');
}
