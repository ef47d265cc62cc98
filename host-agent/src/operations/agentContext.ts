// What every operation needs: the driver, the bases, the locks, and the configurations: read
// fresh from disk for every action on a guest; a serving agent keeps them for its scans of every
// guest while their files do not change (the agent keeps no state of its own that matters).
import type { GuestConfig, GuestStatus } from '../../../shared/domain/guest';
import type { UnreadableGuest } from '../../../shared/domain/guest';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { GuestConfigCache } from '../config/guestConfigCache';
import { listGuestNames, readGuestConfig } from '../config/guestConfigStore';
import type { Driver, GuestRunState } from '../driver';
import { asAgentError, hostError } from '../errors/agentError';
import type { AgentPaths } from '../host/agentPaths';
import { GuestLocks, type HeldLock } from '../locks/guestLock';

/** The host-wide lock key of build's final check-and-rename (never a guest name: those start with a letter or digit). */
export const BUILD_LOCK_KEY = '.build';

/** The operation a migration's hold takes the guest's lock as (adopted by that migration's next agent process). */
export function migrationHoldOperation(migration: string): string {
  return `migration ${migration}`;
}

/** The operation each step run under a migration's hold takes an entry of the guest's lock as. */
function migrationStepOperation(migration: string): string {
  return `migration ${migration} step`;
}

/** Every guest configuration on the host: the readable ones, and the others with the cause. */
export interface ConfigScan {
  configs: GuestConfig[];
  unreadable: UnreadableGuest[];
}

/** A guest this agent process holds for a migration across many calls (migrationHold .. migrationRelease, or the process's end). */
export interface MigrationHold {
  migration: string;
  lock: HeldLock;
}

export class AgentContext {
  readonly locks: GuestLocks;
  readonly migrationHolds = new Map<string, MigrationHold>();
  private configCache: GuestConfigCache | undefined;

  constructor(
    readonly driver: Driver,
    readonly paths: AgentPaths,
  ) {
    this.locks = new GuestLocks(paths.locksDir);
  }

  /** The guest's configuration as its files say now. */
  readConfig(name: string): Promise<GuestConfig> {
    return this.configCache ? this.configCache.refresh(name) : this.readConfigFiles(name);
  }

  /** For a long-running agent (serve): scans keep configurations until their files change. */
  cacheConfigs(): void {
    this.configCache ??= new GuestConfigCache(this.paths.configBase, (name) => this.readConfigFiles(name));
  }

  close(): void {
    this.configCache?.close();
  }

  private readConfigFiles(name: string): Promise<GuestConfig> {
    return readGuestConfig(this.paths.configBase, this.paths.guestBase, name);
  }

  /** Every guest configuration; an unreadable one is named with its cause, never silently skipped. */
  async scanConfigs(): Promise<ConfigScan> {
    const scan: ConfigScan = { configs: [], unreadable: [] };
    const names = await listGuestNames(this.paths.configBase);
    this.configCache?.retain(names);
    for (const name of names) {
      try {
        scan.configs.push(await (this.configCache ? this.configCache.get(name) : this.readConfigFiles(name)));
      } catch (error) {
        scan.unreadable.push({ name, error: `configuration unreadable: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
    return scan;
  }

  /** Every guest configuration, or an error naming the unreadable ones when `purpose` needs them all. */
  async readEveryConfig(purpose: string): Promise<GuestConfig[]> {
    const { configs, unreadable } = await this.scanConfigs();
    if (unreadable.length > 0) {
      const names = unreadable.map((guest) => `guest '${guest.name}': ${guest.error}`).join('; ');
      throw hostError(ERROR_CODES.conflict, `${purpose} needs every guest configuration, but ${names}; repair or remove it first`);
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

  async runStateOf(config: GuestConfig): Promise<GuestRunState> {
    try {
      return await this.driver.runState(config);
    } catch (error) {
      throw asAgentError(error, config.name);
    }
  }

  /**
   * Runs a mutating action on one guest under its lock. A call of the migration this process holds
   * the guest for runs under that hold; any other call finds the lock taken and is refused busy.
   */
  withGuestLock<T>(name: string, operation: string, action: () => Promise<T>, migration?: string): Promise<T> {
    if (migration !== undefined) {
      const hold = this.migrationHolds.get(name);
      if (hold?.migration !== migration) {
        return Promise.reject(hostError(ERROR_CODES.conflict, `guest '${name}' is not held for migration ${migration} by this agent process; the migration must hold it first`));
      }
      // Each step takes an entry of its own beside the hold (steps of the migration do not count for one
      // another), so that a new agent process adopting the hold (its coordinator's session was cut)
      // is refused busy until this process's steps have ended.
      const adoptable = [migrationHoldOperation(migration), migrationStepOperation(migration)];
      return this.locks.acquire(name, migrationStepOperation(migration), adoptable).then(async (step) => {
        try {
          return await action();
        } finally {
          await step.release();
        }
      });
    }
    return this.locks.with(name, operation, action);
  }
}
