// Per-guest lock for every mutating operation. A lock is a folder `<key>.locks/` of numbered
// generation files; the highest number is the lock's state: its owner (pid, start time, operation)
// or, once released, a released mark. A taker that finds it free (released, or its owner dead)
// creates the next number with link(2), which never overwrites, and then checks that no higher
// number appeared meanwhile; only a holder removes lower numbers, so the highest file is never
// deleted and two processes can never both pass that check (no rename of a lock another taker
// may have just written, as a stale takeover by removal would need).
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
  released?: boolean;
}

export interface HeldLock {
  release(): Promise<void>;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await fs.readFile(path, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number') return undefined;
    return { pid: owner.pid, startTime: owner.startTime, operation: String(owner.operation ?? 'unknown'), since: Number(owner.since ?? 0), released: owner.released === true };
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
  return owner !== undefined && !owner.released && isProcessAlive(owner.pid, owner.startTime);
}

export class GuestLocks {
  constructor(private readonly directory: string) {}

  /** Takes the lock or throws ERROR_CODES.busy naming the holder. `key` is a guest name or ".build". */
  async acquire(key: string, operation: string): Promise<HeldLock> {
    const folder = join(this.directory, `${key}.locks`);
    await fs.mkdir(folder, { recursive: true, mode: 0o700 });
    // The single lock file of agents before generation folders: honoured while its owner lives.
    const legacy = await readOwner(join(this.directory, `${key}.lock`));
    if (holdsIt(legacy)) throw busyError(key, describeOwner(legacy), { holderPid: legacy.pid, operation: legacy.operation });
    const owner: LockOwner = { pid: process.pid, startTime: processStartTime(process.pid), operation, since: Date.now() };
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const top = (await generations(folder)).at(-1) ?? 0;
      // Files are written before they are linked into place, so an unreadable one is damaged, not half-written.
      const holder = top > 0 ? await readOwner(join(folder, String(top))) : undefined;
      if (holdsIt(holder)) throw busyError(key, describeOwner(holder), { holderPid: holder.pid, operation: holder.operation });
      const mine = top + 1;
      const file = join(folder, String(mine));
      if (!await linkNew(folder, file, owner)) continue;
      const after = await generations(folder);
      if (after.some((generation) => generation > mine)) {
        await fs.rm(file, { force: true });
        continue;
      }
      for (const generation of after) if (generation < mine) await fs.rm(join(folder, String(generation)), { force: true });
      await removeAbandonedNewFiles(folder);
      return { release: () => writeThenRename(file, { ...owner, released: true }) };
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
  return (await fs.readdir(folder)).filter((name) => GENERATION.test(name)).map(Number).sort((a, b) => a - b);
}

function newFilePath(folder: string): string {
  return join(folder, `.new-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Creates `file` with the owner already in it; false when that generation exists. */
async function linkNew(folder: string, file: string, owner: LockOwner): Promise<boolean> {
  const written = newFilePath(folder);
  await fs.writeFile(written, JSON.stringify(owner), { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(written, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.rm(written, { force: true });
  }
}

/** Replaces the holder's own generation file in one step, so a reader sees the owner or the released mark. */
async function writeThenRename(file: string, content: LockOwner): Promise<void> {
  const written = newFilePath(join(file, '..'));
  await fs.writeFile(written, JSON.stringify(content), { mode: 0o600, flag: 'wx' });
  await fs.rename(written, file);
}

async function removeAbandonedNewFiles(folder: string): Promise<void> {
  for (const name of await fs.readdir(folder)) {
    if (!name.startsWith('.new-')) continue;
    const path = join(folder, name);
    const stat = await fs.stat(path).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > ABANDONED_NEW_FILE_MS) await fs.rm(path, { force: true });
  }
}
