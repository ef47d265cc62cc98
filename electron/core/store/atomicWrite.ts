// Replace a file so that a crash at any moment leaves either the old or the new content:
// write a temporary file in the same directory, fsync it, rename it over, fsync the directory.
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './processLiveness';

const TEMP_MARKER = '.tmp-';

function tempPrefix(file: string): string {
  return `.${basename(file)}${TEMP_MARKER}`;
}

export async function writeFileAtomic(file: string, content: string, mode = 0o600): Promise<void> {
  const directory = dirname(file);
  const temp = join(directory, `${tempPrefix(file)}${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const directoryHandle = await open(directory, 'r');
  try {
    await directoryHandle.sync();
  } finally {
    await directoryHandle.close();
  }
}

/** Removes temporary files left by writers that died mid-write; a live writer's file is kept. */
export async function removeAbandonedTempFiles(file: string): Promise<string[]> {
  const prefix = tempPrefix(file);
  const directory = dirname(file);
  const removed: string[] = [];
  for (const entry of await readdir(directory)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) continue;
    await rm(join(directory, entry), { force: true });
    removed.push(entry);
  }
  return removed;
}
