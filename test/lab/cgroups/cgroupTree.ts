import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CgroupHierarchy } from './hierarchies';

/** Creates one directory per hierarchy (parents included) and returns the cgroup.procs files to join it. */
export async function createCgroup(hierarchies: CgroupHierarchy[], relativePath: string): Promise<string[]> {
  const procsFiles: string[] = [];
  for (const hierarchy of hierarchies) {
    let directory = hierarchy.ownDirectory;
    for (const part of relativePath.split('/')) {
      directory = join(directory, part);
      if (!existsSync(directory)) {
        await mkdir(directory);
        await inheritCpuset(directory);
      }
    }
    procsFiles.push(join(directory, 'cgroup.procs'));
  }
  return procsFiles;
}

/** A new v1 cpuset has no CPUs or memory nodes, so nothing could join it; give it its parent's. */
async function inheritCpuset(directory: string): Promise<void> {
  const cpusFile = join(directory, 'cpuset.cpus');
  if (!existsSync(cpusFile)) return;
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const current = (await readFile(join(directory, file), 'utf8')).trim();
    if (current === '') await writeFile(join(directory, file), await readFile(join(dirname(directory), file), 'utf8'));
  }
}

/** Process ids of the whole subtree (every hierarchy lists them in cgroup.procs). */
export function pidsInCgroupTree(directory: string): number[] {
  const pids = new Set<number>();
  const visit = (current: string): void => {
    try {
      for (const line of readFileSync(join(current, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.add(Number(line));
      for (const entry of readdirSync(current, { withFileTypes: true })) if (entry.isDirectory()) visit(join(current, entry.name));
    } catch {
      // The cgroup went away while being read.
    }
  };
  visit(directory);
  return [...pids];
}

/** Removes the directories below `directory`, deepest first; `directory` itself too unless keepRoot. Retries while exiting tasks still hold a cgroup. */
export async function removeCgroupTree(directory: string, options: { keepRoot?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  const children = await childDirectories(directory);
  for (const child of children) await removeCgroupTree(join(directory, child), { timeoutMs: Math.max(0, deadline - Date.now()) });
  if (options.keepRoot) return;
  for (;;) {
    try {
      await rmdir(directory);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) {
        throw new Error(`cannot remove the cgroup ${directory}: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function childDirectories(directory: string): Promise<string[]> {
  try {
    return (await readdir(directory, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** Directories named `name` anywhere in the hierarchy (up to a few levels deep), for finding a lab whose state file is gone. */
export async function findCgroupDirectories(hierarchy: CgroupHierarchy, name: string, maxDepth = 6): Promise<string[]> {
  const found: string[] = [];
  const visit = async (directory: string, depth: number): Promise<void> => {
    if (basename(directory) === name) {
      found.push(directory);
      return;
    }
    if (depth >= maxDepth) return;
    for (const child of await childDirectories(directory)) await visit(join(directory, child), depth + 1);
  };
  await visit(hierarchy.mountPoint, 0);
  return found;
}

/**
 * CPU time (seconds) every process of a cgroup tree has used, from the first of `directories` (one
 * per hierarchy) that accounts it: cpuacct.usage (v1, nanoseconds) or cpu.stat's usage_usec (v2).
 */
export function cgroupCpuSeconds(directories: string[]): number {
  for (const directory of directories) {
    try {
      return Number(readFileSync(join(directory, 'cpuacct.usage'), 'utf8').trim()) / 1e9;
    } catch { /* not the v1 cpuacct hierarchy */ }
    try {
      const usage = /^usage_usec (\d+)$/m.exec(readFileSync(join(directory, 'cpu.stat'), 'utf8'))?.[1];
      if (usage !== undefined) return Number(usage) / 1e6;
    } catch { /* not a v2 hierarchy */ }
  }
  throw new Error(`no CPU accounting in ${directories.join(', ')}`);
}
