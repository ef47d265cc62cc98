// Replacing a file so that a crash, a kill or a full disk at any moment leaves either the old or
// the new content, never a torn file: a temporary file in the same directory (named after the
// file and the writer's pid, so a dead writer's leftovers can be found), fsync'ed, renamed over
// the file, then the directory fsync'ed so the rename itself survives a power cut.
// shared/node/ is the Node half of shared/: both Node layers (the agent and the core) use it.
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from './lazyBuiltins';

const TEMP_MARKER = '.tmp-';

/** The prefix of `file`'s temporary files; the writer's pid follows it. */
export function atomicTempPrefix(file: string): string {
  return `.${basename(file)}${TEMP_MARKER}`;
}

function temporaryFor(file: string): string {
  return join(dirname(file), `${atomicTempPrefix(file)}${process.pid}-${randomBytes(6).toString('hex')}`);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `content` to `file` atomically with `mode`; the directory must exist. */
export async function writeFileAtomic(file: string, content: string | Uint8Array, mode: number): Promise<void> {
  const temporary = temporaryFor(file);
  const handle = await fs.open(temporary, 'wx', mode);
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(file));
}

/** Points the symlink `file` at `target` in one rename, like writeFileAtomic. */
export async function symlinkAtomic(target: string, file: string): Promise<void> {
  const temporary = temporaryFor(file);
  await fs.symlink(target, temporary);
  try {
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(file));
}
