// What every operation needs: the driver, the bases, the locks, and the configurations read
// fresh from disk each time (the agent keeps no state of its own that matters).
import type { GuestConfig, GuestStatus } from '../../../shared/domain/guest';
import { listGuestNames, readGuestConfig } from '../config/guestConfigStore';
import type { Driver } from '../driver';
import { asAgentError } from '../errors/agentError';
import type { AgentPaths } from '../host/agentPaths';
import { GuestLocks } from '../locks/guestLock';

/** The host-wide lock key of build's final check-and-rename (never a guest name: those start with a letter or digit). */
export const BUILD_LOCK_KEY = '.build';

export class AgentContext {
  readonly locks: GuestLocks;

  constructor(
    readonly driver: Driver,
    readonly paths: AgentPaths,
  ) {
    this.locks = new GuestLocks(paths.locksDir);
  }

  readConfig(name: string): Promise<GuestConfig> {
    return readGuestConfig(this.paths.configBase, this.paths.guestBase, name);
  }

  /** Every readable guest configuration; unreadable ones are reported through `onError`. */
  async readAllConfigs(onError?: (name: string, error: Error) => void): Promise<GuestConfig[]> {
    const configs: GuestConfig[] = [];
    for (const name of await listGuestNames(this.paths.configBase)) {
      try {
        configs.push(await this.readConfig(name));
      } catch (error) {
        onError?.(name, asAgentError(error, name));
      }
    }
    return configs;
  }

  async statusOf(config: GuestConfig): Promise<GuestStatus> {
    try {
      return await this.driver.status(config);
    } catch (error) {
      throw asAgentError(error, config.name);
    }
  }

  /** Runs a mutating action on one guest under its lock. */
  withGuestLock<T>(name: string, operation: string, action: () => Promise<T>): Promise<T> {
    return this.locks.with(name, operation, action);
  }
}
