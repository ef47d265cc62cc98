// Reading and writing cgroup control files: one value per file, "key value" tables, pid lists.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { kernelDirectoryExists, readKernelCounter } from '../../../host/kernelFiles';

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENODEV';
}

/** A guest's cgroup directory (or directories) made once per name: samples and stat rows need it for every guest, many times a second. */
export function directoryPerGuest<T>(make: (guest: string) => T): (guest: string) => T {
  const made = new Map<string, T>();
  return (guest) => {
    if (made.has(guest)) return made.get(guest) as T;
    const directory = make(guest);
    made.set(guest, directory);
    return directory;
  };
}

/** `file` is a control file's bare name, so no path.join (a sample reads hundreds a second). */
export async function readControl(directory: string, file: string): Promise<string | undefined> {
  return readKernelCounter(`${directory}/${file}`)?.trim();
}

/** A numeric control file; "max" and missing files read as undefined. */
export async function readNumber(directory: string, file: string): Promise<number | undefined> {
  const text = await readControl(directory, file);
  if (text === undefined || text === 'max') return undefined;
  const value = Number(text.split(/\s+/)[0]);
  return Number.isFinite(value) ? value : undefined;
}

/** "key value" lines (cpu.stat, memory.events, memory.stat, pids.events) as a map. */
export function parseKeyValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && Number.isFinite(Number(value))) values.set(key, Number(value));
  }
  return values;
}

export async function readKeyValues(directory: string, file: string): Promise<Map<string, number>> {
  return parseKeyValues((await readControl(directory, file)) ?? '');
}

export async function writeControl(directory: string, file: string, value: string): Promise<void> {
  try {
    await fs.writeFile(join(directory, file), value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`writing '${value}' to ${join(directory, file)} failed: ${reason}`);
  }
}

export async function readPids(directory: string, file = 'cgroup.procs'): Promise<number[]> {
  const text = await readControl(directory, file);
  if (text === undefined) return [];
  return text.split('\n').filter(Boolean).map(Number);
}

export async function directoryExists(directory: string): Promise<boolean> {
  return kernelDirectoryExists(directory);
}

/** Removes a cgroup directory (rmdir; the kernel refuses while it has processes or children). */
export async function removeCgroupDirectory(directory: string): Promise<void> {
  try {
    await fs.rmdir(directory);
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
}
