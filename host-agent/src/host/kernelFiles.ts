// Reads of the kernel's own files (/proc, cgroupfs, /run's pid files): small, in memory, answered
// at once. They are read synchronously: a sample of 50 guests reads a few hundred of them a
// second, and each asynchronous read costs an open, a read and a close through the thread pool
// plus their promises, many times the read itself.
import { readdirSync, readFileSync, statSync } from 'node:fs';

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
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The numeric entries of /proc: every process this PID namespace sees. */
export function listProcessIds(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);
}
