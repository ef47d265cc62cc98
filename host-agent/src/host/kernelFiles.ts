// Reads of the kernel's own files (/proc, cgroupfs, /run's pid files): small, in memory, answered
// at once; a pid file is read again only when a stat shows it changed (readRuntimeFile). They are read synchronously: a sample of 50 guests reads a few hundred of them a
// second, and each asynchronous read costs an open, a read and a close through the thread pool
// plus their promises, many times the read itself. The counters read on every sample and poll
// (/proc/<pid>/stat and status, cgroup control files) are read through descriptors kept open:
// one pread instead of an open, two reads and a close, and no path lookup.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';

/** The codes of a kernel file that is not there (any more): a process that exited, a controller not mounted. */
function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENODEV' || code === 'ESRCH';
}

/** The file's text, or undefined when it does not exist; other errors (EACCES, EIO) are thrown. */
export function readKernelText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/**
 * Descriptors of pseudo-files read again and again, by path. A pseudo-file (seq_file: procfs,
 * cgroupfs) makes its text anew on each read from offset 0, so a kept descriptor reads what a
 * fresh open would; and it stays bound to what it was opened on: the descriptor of an exited
 * process's /proc/<pid>/stat fails with ESRCH (even after its pid is reused), that of a removed
 * cgroup's file with ENODEV. Any failure closes the descriptor and reads by path once more, so a
 * reused pid or a recreated cgroup is read as a fresh open would. Never for regular files (a pid
 * file replaced by rename would keep its old text). At most HELD_LIMIT are kept (Node raises its
 * descriptor limit to the hard one, which exec sessions and tools share); `releaseIdleKernelFiles` closes those
 * not read since its previous call.
 */
const HELD_LIMIT = 1024;
const held = new Map<string, { fd: number; read: boolean }>();
let readBuffer = Buffer.allocUnsafe(16 * 1024);

/** The whole text from offset 0; a seq_file read returns less than asked only at its end. */
function readFromStart(fd: number): string {
  let length = 0;
  for (;;) {
    const count = readSync(fd, readBuffer, length, readBuffer.length - length, length);
    length += count;
    if (length < readBuffer.length || count === 0) return readBuffer.toString('utf8', 0, length);
    const larger = Buffer.allocUnsafe(readBuffer.length * 2);
    readBuffer.copy(larger, 0, 0, length);
    readBuffer = larger;
  }
}

/** A procfs or cgroupfs file's text through a kept descriptor, or undefined when it does not exist (see `held`). */
export function readKernelCounter(path: string): string | undefined {
  const kept = held.get(path);
  if (kept) {
    try {
      const text = readFromStart(kept.fd);
      kept.read = true;
      return text;
    } catch {
      held.delete(path);
      closeSync(kept.fd);
    }
  }
  // A file that is not there (a stopped guest's cgroup, an exited process) is asked for on every
  // call: existsSync answers without the thrown error a failed open costs.
  if (!existsSync(path)) return undefined;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
  let text: string;
  try {
    text = readFromStart(fd);
  } catch (error) {
    closeSync(fd);
    if (isGone(error)) return undefined;
    throw error;
  }
  if (held.size < HELD_LIMIT) held.set(path, { fd, read: true });
  else closeSync(fd);
  return text;
}

/** Closes the kept descriptors not read since the previous call (a guest deleted, a process gone). */
export function releaseIdleKernelFiles(): void {
  for (const [path, kept] of held) {
    if (kept.read) kept.read = false;
    else {
      held.delete(path);
      closeSync(kept.fd);
    }
  }
}

/**
 * The text of a small regular file the agent's processes replace by rename (a guest's pid file),
 * read again only when a stat of its path shows another file (inode) or a change (size, change
 * or modification time) since the last read: one stat instead of an open, reads and a close for
 * every guest on every poll, sample and stat. Undefined when the file does not exist.
 */
const runtimeFiles = new Map<string, { ino: number; size: number; ctimeMs: number; mtimeMs: number; text: string }>();

export function readRuntimeFile(path: string): string | undefined {
  const now = statSync(path, { throwIfNoEntry: false });
  if (!now) {
    runtimeFiles.delete(path);
    return undefined;
  }
  const known = runtimeFiles.get(path);
  if (known && known.ino === now.ino && known.size === now.size && known.ctimeMs === now.ctimeMs && known.mtimeMs === now.mtimeMs) return known.text;
  const text = readKernelText(path);
  if (text === undefined) runtimeFiles.delete(path);
  else runtimeFiles.set(path, { ino: now.ino, size: now.size, ctimeMs: now.ctimeMs, mtimeMs: now.mtimeMs, text });
  return text;
}

/** The inode of what `path` names (e.g. /proc/<pid>/ns/pid), undefined once it is gone. */
export function kernelInode(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/** Whether `path` is a directory (a cgroup, a /proc entry) now. */
export function kernelDirectoryExists(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

/** The numeric entries of /proc: every process this PID namespace sees. */
export function listProcessIds(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);
}
