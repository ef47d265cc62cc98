// Where vfleet keeps its configuration in plain Node: VFLEET_CONFIG_DIR, else the XDG config dir.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function vfleetConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VFLEET_CONFIG_DIR) return env.VFLEET_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'vfleet');
}
