// util-vserver's file conventions (vserver.functions getFileValue/_readFileToArray): a scalar is
// the first line, a list is one item per line with blank and "#" lines ignored.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomicFile';

export async function readTextIfPresent(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export async function readScalar(directory: string, ...segments: string[]): Promise<string | undefined> {
  const text = await readTextIfPresent(join(directory, ...segments));
  if (text === undefined) return undefined;
  return (text.split('\n')[0] ?? '').trim();
}

export async function readList(directory: string, ...segments: string[]): Promise<string[] | undefined> {
  const text = await readTextIfPresent(join(directory, ...segments));
  if (text === undefined) return undefined;
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Writes a scalar file, or removes it when the value is undefined. */
export async function writeScalar(directory: string, relativePath: string, value: string | number | undefined): Promise<void> {
  const path = join(directory, relativePath);
  if (value === undefined) {
    await fs.rm(path, { force: true });
    return;
  }
  await writeFileAtomic(path, `${value}\n`);
}

/** Writes a list file, or removes it when the list is empty. */
export async function writeList(directory: string, relativePath: string, items: string[]): Promise<void> {
  const path = join(directory, relativePath);
  if (items.length === 0) {
    await fs.rm(path, { force: true });
    return;
  }
  await writeFileAtomic(path, `${items.join('\n')}\n`);
}

export async function listSubdirectories(directory: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(directory, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
