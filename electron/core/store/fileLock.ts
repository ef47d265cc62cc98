// An inter-process lock beside a file: `.<name>.lock` created with O_EXCL holds the owner's pid
// and process start time, so the desktop app and the CLI never interleave a read-modify-write. A
// lock whose owner is gone (dead pid, or a pid reused by a newer process) is broken.
import { open, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive, processStartTime } from './processLiveness';

interface LockOwner {
  pid: number;
  /** Start time of the owner process (clock ticks since boot on Linux), to tell a reused pid apart. */
  startedAt: string;
}

/** How long to wait for a live owner before giving up. */
const WAIT_FOR_OWNER_MS = 10_000;
/** A lock file still empty after this long was left by a writer that died right after creating it. */
const EMPTY_LOCK_GRACE_MS = 2_000;

function lockFileOf(file: string): string {
  return join(dirname(file), `.${basename(file)}.lock`);
}

/** Runs `work` while holding the lock of `file`; the lock is removed afterwards, whatever `work` did. */
export async function withFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const lock = lockFileOf(file);
  const me: LockOwner = { pid: process.pid, startedAt: processStartTime(process.pid) ?? 'unknown' };
  const deadline = Date.now() + WAIT_FOR_OWNER_MS;
  for (let attempt = 0; ; attempt += 1) {
    if (await tryCreate(lock, me)) break;
    const holder = await readOwner(lock);
    if (await isAbandoned(lock, holder)) {
      await breakLock(lock, holder);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`${file} is locked by another vfleet process (${holder ? `pid ${holder.pid}` : 'unknown owner'}, lock file ${lock}); nothing was written. Try again, or remove the lock file if that process is stuck.`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(5 + attempt * 2, 50) * (0.5 + Math.random())));
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

async function tryCreate(lock: string, owner: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(lock, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(owner));
  } finally {
    await handle.close();
  }
  return true;
}

async function readOwner(lock: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lock, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' && typeof parsed.startedAt === 'string' ? { pid: parsed.pid, startedAt: parsed.startedAt } : undefined;
  } catch {
    return undefined;
  }
}

async function isAbandoned(lock: string, holder: LockOwner | undefined): Promise<boolean> {
  if (!holder) {
    const info = await stat(lock).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > EMPTY_LOCK_GRACE_MS;
  }
  if (!isProcessAlive(holder.pid)) return true;
  const startedAt = processStartTime(holder.pid);
  return startedAt !== undefined && holder.startedAt !== 'unknown' && startedAt !== holder.startedAt;
}

/** Removes an abandoned lock unless it changed hands since it was judged (another process broke it first). */
async function breakLock(lock: string, judged: LockOwner | undefined): Promise<void> {
  const now = await readOwner(lock);
  if (now?.pid === judged?.pid && now?.startedAt === judged?.startedAt) await rm(lock, { force: true });
}
