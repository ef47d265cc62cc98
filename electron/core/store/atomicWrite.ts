// The core's atomic writes: shared/node/atomicWrite.ts, with the store's default mode (owner only:
// hosts.json names logins), and the removal of what writers that died mid-write left.
import { readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { atomicTempPrefix, writeFileAtomic as writeAtomic } from '../../../shared/node/atomicWrite';
import { isProcessAlive } from './processLiveness';

export function writeFileAtomic(file: string, content: string, mode = 0o600): Promise<void> {
  return writeAtomic(file, content, mode);
}

/** Removes temporary files left by writers that died mid-write; a live writer's file is kept. */
export async function removeAbandonedTempFiles(file: string): Promise<string[]> {
  const prefix = atomicTempPrefix(file);
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
