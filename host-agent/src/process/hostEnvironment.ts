// The agent runs as root on hosts it does not own the environment of: whatever the SSH session,
// sudo or an admin's shell hands it, every tool it starts gets a fixed PATH of host directories
// and none of the variables that change how a program is loaded or interpreted.
import { isAbsolute } from 'node:path';

/** Host directories only, in root's usual order: the PATH of every tool the agent starts. */
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Variables the agent keeps from the environment it was started with; everything else is dropped. */
const KEPT = new Set(['HOME', 'USER', 'LOGNAME', 'TERM', 'LANG', 'TZ', 'SUDO_USER', 'SUDO_UID', 'SUDO_GID']);
const KEPT_PREFIXES = ['LC_', 'VFLEET_'];

/** Reduces `env` (the agent's own, by default) to the kept variables, with PATH set to HOST_PATH. */
export function sealAgentEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of Object.keys(env)) {
    if (!KEPT.has(name) && !KEPT_PREFIXES.some((prefix) => name.startsWith(prefix))) delete env[name];
  }
  env.PATH = HOST_PATH;
}

/** The absolute directories of a PATH value; empty and relative entries (the current directory) are skipped. */
export function absolutePathEntries(path: string): string[] {
  return path.split(':').filter((entry) => entry !== '' && isAbsolute(entry));
}
