// Per-guest lock for every mutating operation: a lock file created with O_EXCL holding its
// owner's pid, start time and operation. A lock whose owner has died is stale and taken over.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { guestError, hostError, type AgentError } from '../errors/agentError';
import { isProcessAlive, processStartTime } from './processIdentity';

interface LockOwner {
  pid: number;
  startTime?: string;
  operation: string;
  since: number;
}

export interface HeldLock {
  release(): Promise<void>;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await fs.readFile(path, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number') return undefined;
    return { pid: owner.pid, startTime: owner.startTime, operation: String(owner.operation ?? 'unknown'), since: Number(owner.since ?? 0) };
  } catch {
    return undefined;
  }
}

function describeOwner(owner: LockOwner): string {
  const since = new Date(owner.since).toISOString();
  return `busy: ${owner.operation} by agent process ${owner.pid} (since ${since}) holds its lock; try again when it has finished`;
}

/** Keys starting with "." are host-wide steps (never guest names, which start with a letter or digit). */
function busyError(key: string, cause: string, data?: Record<string, unknown>): AgentError {
  return key.startsWith('.') ? hostError(ERROR_CODES.busy, `the ${key.slice(1)} step is ${cause}`, data) : guestError(ERROR_CODES.busy, key, cause, data);
}

export class GuestLocks {
  constructor(private readonly directory: string) {}

  private pathOf(key: string): string {
    return join(this.directory, `${key}.lock`);
  }

  /** Takes the lock or throws ERROR_CODES.busy naming the holder. `key` is a guest name or ".build". */
  async acquire(key: string, operation: string): Promise<HeldLock> {
    await fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    const path = this.pathOf(key);
    const owner: LockOwner = { pid: process.pid, startTime: processStartTime(process.pid), operation, since: Date.now() };
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        const handle = await fs.open(path, 'wx', 0o600);
        try {
          await handle.writeFile(JSON.stringify(owner));
        } finally {
          await handle.close();
        }
        return { release: () => this.release(path, owner) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readOwner(path);
      // An unreadable lock may be one being written this instant: only a dead holder is stale.
      if (holder && isProcessAlive(holder.pid, holder.startTime)) {
        throw busyError(key, describeOwner(holder), { holderPid: holder.pid, operation: holder.operation });
      }
      if (!holder) {
        const age = Date.now() - (await fs.stat(path).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
        if (age < 2000) throw busyError(key, 'busy: another agent process is taking its lock right now');
      }
      await this.removeStale(path, holder);
    }
    throw busyError(key, 'busy: its lock keeps changing hands; try again');
  }

  /** Runs `action` under the lock and always releases it. */
  async with<T>(key: string, operation: string, action: () => Promise<T>): Promise<T> {
    const lock = await this.acquire(key, operation);
    try {
      return await action();
    } finally {
      await lock.release();
    }
  }

  private async removeStale(path: string, expected: LockOwner | undefined): Promise<void> {
    // Rename first so two processes clearing the same stale lock cannot remove a fresh one.
    const aside = `${path}.stale-${process.pid}`;
    try {
      await fs.rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const moved = await readOwner(aside);
    if (expected && moved && (moved.pid !== expected.pid || moved.since !== expected.since)) {
      // link() never overwrites: if yet another lock appeared meanwhile, that one wins.
      await fs.link(aside, path).catch(() => undefined);
      await fs.rm(aside, { force: true });
      return;
    }
    await fs.rm(aside, { force: true });
  }

  private async release(path: string, owner: LockOwner): Promise<void> {
    const current = await readOwner(path);
    if (current && current.pid === owner.pid && current.since === owner.since) await fs.rm(path, { force: true });
  }
}
