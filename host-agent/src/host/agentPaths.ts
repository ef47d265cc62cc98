// Where this agent finds configurations, guest roots and its own state: CLI flags win over the
// environment (VFLEET_CONFIG_BASE, VFLEET_GUEST_BASE, VFLEET_RUN_DIR), which wins over defaults.
import { join, resolve } from 'node:path';
import type { DriverContext } from '../driver';

export const DEFAULT_CONFIG_BASE = '/etc/vservers';
export const DEFAULT_GUEST_BASE = '/vservers';
export const DEFAULT_RUN_DIR = '/run/vfleet';
/** vfleet's host-wide state folder inside the configuration base (a dot-folder, so never a guest). */
export const VFLEET_STATE_SUBDIR = '.vfleet';

export interface AgentPaths extends DriverContext {
  locksDir: string;
}

export function resolveAgentPaths(overrides: { configBase?: string; guestBase?: string }, env: NodeJS.ProcessEnv = process.env): AgentPaths {
  const configBase = resolve(overrides.configBase ?? env.VFLEET_CONFIG_BASE ?? DEFAULT_CONFIG_BASE);
  const guestBase = resolve(overrides.guestBase ?? env.VFLEET_GUEST_BASE ?? DEFAULT_GUEST_BASE);
  const stateDir = join(configBase, VFLEET_STATE_SUBDIR);
  return {
    configBase,
    guestBase,
    stateDir,
    runDir: resolve(env.VFLEET_RUN_DIR ?? DEFAULT_RUN_DIR),
    locksDir: join(stateDir, 'locks'),
  };
}
