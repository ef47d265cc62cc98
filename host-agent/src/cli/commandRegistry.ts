// Every vfleet-agent command, one file each under commands/, in the order --help lists them.
import { UsageError } from '../../../shared/cli/argv';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { VSERVER_UNKNOWN_GUEST_EXIT } from '../vserverFormats/vserverStatus';
import { AgentError } from '../errors/agentError';
import type { AgentCommand } from './commandSupport';
import { buildCommand } from './commands/build';
import { capsCommand } from './commands/caps';
import { deleteCommand } from './commands/delete';
import { enterCommand } from './commands/enter';
import { execCommand } from './commands/exec';
import { helloCommand } from './commands/hello';
import { infoCommand } from './commands/info';
import { limitCommand } from './commands/limit';
import { listCommand } from './commands/list';
import { psCommand } from './commands/ps';
import { bootCommand, replicaGateCommand, replicatorCommand } from './commands/replication';
import { restartCommand } from './commands/restart';
import { serveCommand } from './commands/serve';
import { startCommand } from './commands/start';
import { statCommand } from './commands/stat';
import { statusCommand } from './commands/status';
import { stopCommand } from './commands/stop';
import { unameCommand } from './commands/uname';

export const AGENT_COMMANDS: readonly AgentCommand[] = [
  buildCommand, startCommand, stopCommand, restartCommand, statusCommand, execCommand, enterCommand,
  statCommand, psCommand, listCommand, infoCommand, helloCommand, limitCommand, capsCommand, unameCommand,
  deleteCommand, serveCommand, bootCommand, replicatorCommand, replicaGateCommand,
];

export function findAgentCommand(name: string): AgentCommand | undefined {
  return AGENT_COMMANDS.find((command) => command.spec.name === name);
}

/** util-vserver's exit codes: unknown guest 5, usage 2, any other failure 1. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return 2;
  if (error instanceof AgentError && error.code === ERROR_CODES.notFound) return VSERVER_UNKNOWN_GUEST_EXIT;
  return 1;
}
