// Per-guest lock for every mutating operation. A lock is a folder `<key>.locks/` of entries, one
// per taker, each holding its owner (pid, start time, operation) and named uniquely (time, pid,
// random), so a name is never reused. A taker links its entry into place with link(2) (written
// before, so never seen half-made), then looks at every other entry: it holds the lock only if no
// other entry belongs to a live process; otherwise it removes its own and backs off. Two takers
// that both see each other both back off and retry after a random pause; one that sees no live
// entry after its own was linked is alone, because any later taker links after that look and so
// sees it. Entries of dead owners (a holder that crashed) are ignored and removed by the next
// holder. Release removes the holder's entry and the emptied folder.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { guestError, hostError, type AgentError } from '../errors/agentError';
import { isProcessAlive, processStartTime } from './processIdentity';
import { randomBytes } from '../../../shared/node/lazyBuiltins';

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

/** An entry name: microseconds, pid and 48 random bits; sorting by name sorts by time of taking. */
const ENTRY = /^[0-9]{16}-[0-9]+-[0-9a-f]{12}$/;
/** Left by a taker that died between writing its file and linking it. */
const ABANDONED_NEW_FILE_MS = 60_000;
/** Rounds of taking before "keeps changing hands"; each lost round waits 1-20 ms at random. */
const ROUNDS = 50;

function holdsIt(owner: LockOwner | undefined): owner is LockOwner {
  return owner !== undefined && isProcessAlive(owner.pid, owner.startTime);
}

function entryName(): string {
  return `${String(Date.now() * 1000 + Math.floor(Math.random() * 1000)).padStart(16, '0')}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

export class GuestLocks {
  constructor(private readonly directory: string) {}

  /**
   * Takes the lock or throws ERROR_CODES.busy naming the holder. `key` is a guest name or ".build".
   * `adopt`: a live holder whose operation is exactly this one (true) or one of those (a list) does
   * not count (a migration's hold, left by an agent process whose session was cut, taken over by its
   * coordinator's new session; or this process's own hold, beside which each step of it takes an entry).
   */
  async acquire(key: string, operation: string, adopt: boolean | readonly string[] = false): Promise<HeldLock> {
    const folder = join(this.directory, `${key}.locks`);
    try {
      return await this.take(key, folder, operation, adopt === true ? [operation] : adopt || undefined);
    } catch (error) {
      // Whoever leaves last removes the folder; a non-empty one (a holder, a taker) stays.
      await removeIfEmpty(folder);
      throw error;
    }
  }

  private async take(key: string, folder: string, operation: string, adoptable: readonly string[] | undefined): Promise<HeldLock> {
    // The single lock file of agents before lock folders: honoured while its owner lives.
    const legacy = await readOwner(join(this.directory, `${key}.lock`));
    if (holdsIt(legacy)) throw busyError(key, describeOwner(legacy), { holderPid: legacy.pid, operation: legacy.operation });
    const owner: LockOwner = { pid: process.pid, startTime: processStartTime(process.pid), operation, since: Date.now() };
    for (let round = 0; round < ROUNDS; round += 1) {
      await fs.mkdir(folder, { recursive: true, mode: 0o700 });
      // Somebody holds it (or is taking it this instant): busy, without adding an entry.
      const holder = (await liveEntries(folder, undefined, adoptable))[0];
      if (holder) throw busyError(key, describeOwner(holder.owner), { holderPid: holder.owner.pid, operation: holder.owner.operation });
      const name = entryName();
      if (!await linkNew(folder, join(folder, name), owner)) continue;
      if ((await liveEntries(folder, name, adoptable)).length === 0) {
        await removeDeadEntries(folder, name);
        await removeAbandonedNewFiles(folder);
        return { release: () => release(folder, join(folder, name)) };
      }
      // Another taker linked its entry at the same time: both step back, and retry at random.
      await fs.rm(join(folder, name), { force: true });
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 20)));
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

async function entries(folder: string): Promise<string[]> {
  const names = await fs.readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return names.filter((name) => ENTRY.test(name)).sort();
}

/** The entries (but `mine`, and those of the `adoptable` operations) whose owner is alive, oldest first. */
async function liveEntries(folder: string, mine: string | undefined, adoptable?: readonly string[]): Promise<{ name: string; owner: LockOwner }[]> {
  const live: { name: string; owner: LockOwner }[] = [];
  for (const name of await entries(folder)) {
    if (name === mine) continue;
    const owner = await readOwner(join(folder, name));
    if (holdsIt(owner) && !adoptable?.includes(owner.operation)) live.push({ name, owner });
  }
  return live;
}

/** Removes the entries of dead owners; only the holder does, so a live taker's entry is never touched. */
async function removeDeadEntries(folder: string, mine: string): Promise<void> {
  for (const name of await entries(folder)) {
    if (name === mine) continue;
    if (!holdsIt(await readOwner(join(folder, name)))) await fs.rm(join(folder, name), { force: true });
  }
}

function newFilePath(folder: string): string {
  return join(folder, `.new-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Creates `file` with the owner already in it; false when a release just removed the folder. */
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
