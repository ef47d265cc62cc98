// exec and enter: a process inside a running guest, its stdio handed to the CLI or an RPC session.
import type { GuestConfig } from '../../../shared/domain/guest';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import type { ExecOptions, GuestProcess } from '../driver';
import { readScalar } from '../config/configValueFiles';
import { guestConfigDir } from '../config/guestConfigStore';
import { asAgentError, guestError } from '../errors/agentError';
import type { AgentContext } from './agentContext';

async function runningConfig(context: AgentContext, name: string): Promise<GuestConfig> {
  const config = await context.readConfig(name);
  if ((await context.statusOf(config)).state !== 'running') {
    throw guestError(ERROR_CODES.notRunning, name, 'is not running; exec and enter are supported for running guests only');
  }
  return config;
}

export async function execInGuest(context: AgentContext, name: string, argv: string[], options: ExecOptions = {}): Promise<GuestProcess> {
  const config = await runningConfig(context, name);
  try {
    return await context.driver.exec(config, argv, options);
  } catch (error) {
    throw asAgentError(error, name);
  }
}

/**
 * util-vserver's enter shell: the `shell` file, else bash as login shell, else sh -l. The guest's
 * own sh makes that choice inside it, where its paths mean what they say (a link such as Debian's
 * /bin -> usr/bin is the guest's to resolve, never the host's).
 */
const DEFAULT_ENTER_SHELL = ['/bin/sh', '-c', 'if [ -x /bin/bash ]; then exec /bin/bash -login; fi; exec /bin/sh -l'];

async function enterShell(context: AgentContext, config: GuestConfig): Promise<string[]> {
  const configured = await readScalar(guestConfigDir(context.paths.configBase, config.name), 'shell');
  return configured ? configured.split(/\s+/) : DEFAULT_ENTER_SHELL;
}

export async function enterGuest(context: AgentContext, name: string, env: Record<string, string> = {}): Promise<GuestProcess> {
  const config = await runningConfig(context, name);
  try {
    return await context.driver.exec(config, await enterShell(context, config), { tty: true, env: { TERM: 'xterm-256color', ...env } });
  } catch (error) {
    throw asAgentError(error, name);
  }
}
