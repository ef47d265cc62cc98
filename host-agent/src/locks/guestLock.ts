// Per-guest lock for every mutating operation. A lock is a folder `<key>.locks/` of numbered
// generation files, each holding its owner (pid, start time, operation); the highest is the lock.
// A taker that finds no holder, or a dead one, creates a higher number with link(2), which never
// overwrites, and holds the lock only if afterwards no higher number exists, none appeared between
// the one it inspected and its own, and the inspected one is still there; then it removes the
// lower ones. A file is removed only by its own taker or by a holder (lower numbers), never renamed,
// so two processes cannot both hold the lock (a stale takeover by rename-aside could). Release removes
// the holder's file and the emptied folder; numbers start from the clock (µs), so a taker acting on
// a view from before the folder was emptied finds a higher number or its inspected one gone.
import { randomBytes } from 'node:crypto';
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

const GENERATION = /^[0-9]+$/;
/** Left by a taker that died between writing its file and linking it. */
const ABANDONED_NEW_FILE_MS = 60_000;

function holdsIt(owner: LockOwner | undefined): owner is LockOwner {
  return owner !== undefined && isProcessAlive(owner.pid, owner.startTime);
}

export class GuestLocks {
  constructor(private readonly directory: string) {}

  /** Takes the lock or throws ERROR_CODES.busy naming the holder. `key` is a guest name or ".build". */
  async acquire(key: string, operation: string): Promise<HeldLock> {
    const folder = join(this.directory, `${key}.locks`);
    try {
      return await this.take(key, folder, operation);
    } catch (error) {
      // Whoever leaves last removes the folder; a non-empty one (a holder, a taker) stays.
      await removeIfEmpty(folder);
      throw error;
    }
  }

  private async take(key: string, folder: string, operation: string): Promise<HeldLock> {
    // The single lock file of agents before generation folders: honoured while its owner lives.
    const legacy = await readOwner(join(this.directory, `${key}.lock`));
    if (holdsIt(legacy)) throw busyError(key, describeOwner(legacy), { holderPid: legacy.pid, operation: legacy.operation });
    const owner: LockOwner = { pid: process.pid, startTime: processStartTime(process.pid), operation, since: Date.now() };
    for (let attempt = 0; attempt < 8; attempt += 1) {
      await fs.mkdir(folder, { recursive: true, mode: 0o700 });
      const inspected = (await generations(folder)).at(-1);
      // Files are written before they are linked into place, so an unreadable one is damaged, not half-written.
      const holder = inspected === undefined ? undefined : await readOwner(join(folder, String(inspected)));
      if (holdsIt(holder)) throw busyError(key, describeOwner(holder), { holderPid: holder.pid, operation: holder.operation });
      const mine = Math.max((inspected ?? 0) + 1, Date.now() * 1000);
      const file = join(folder, String(mine));
      if (!await linkNew(folder, file, owner)) continue;
      const after = await generations(folder);
      const contested = after.some((generation) => generation > mine || (generation < mine && (inspected === undefined || generation > inspected)));
      if (contested || (inspected !== undefined && !after.includes(inspected))) {
        await fs.rm(file, { force: true });
        continue;
      }
      for (const generation of after) if (generation < mine) await fs.rm(join(folder, String(generation)), { force: true });
      await removeAbandonedNewFiles(folder);
      return { release: () => release(folder, file) };
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
}

async function generations(folder: string): Promise<number[]> {
  const names = await fs.readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return names.filter((name) => GENERATION.test(name)).map(Number).sort((a, b) => a - b);
}

function newFilePath(folder: string): string {
  return join(folder, `.new-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Creates `file` with the owner already in it; false when that generation exists or a release just removed the folder. */
async function linkNew(folder: string, file: string, owner: LockOwner): Promise<boolean> {
  const written = newFilePath(folder);
  try {
    await fs.writeFile(written, JSON.stringify(owner), { mode: 0o600, flag: 'wx' });
    await fs.link(written, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOENT') return false;
    throw error;
  } finally {
    await fs.rm(written, { force: true });
  }
}

async function release(folder: string, file: string): Promise<void> {
  await fs.rm(file, { force: true });
  await removeIfEmpty(folder);
}

/** A taker between its mkdir and its first file retries when this removes the folder under it. */
async function removeIfEmpty(folder: string): Promise<void> {
  await fs.rmdir(folder).catch(() => undefined);
}

async function removeAbandonedNewFiles(folder: string): Promise<void> {
  for (const name of await fs.readdir(folder)) {
    if (!name.startsWith('.new-')) continue;
    const path = join(folder, name);
    const stat = await fs.stat(path).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > ABANDONED_NEW_FILE_MS) await fs.rm(path, { force: true });
  }
}
