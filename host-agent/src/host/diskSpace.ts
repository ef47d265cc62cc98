// Size and free space of the filesystem holding a directory (the guest base): fs.statfs where
// Node has it (18.15+), `df` otherwise.
import { promises as fs } from 'node:fs';
import { runTool } from '../process/runTool';

export interface DiskSpace {
  diskTotal: number;
  diskFree: number;
}

/** The directory itself or its nearest existing parent (the base may not exist yet). */
async function existingAncestor(path: string): Promise<string> {
  let candidate = path;
  for (;;) {
    try {
      await fs.stat(candidate);
      return candidate;
    } catch {
      const parent = candidate.replace(/\/[^/]*$/, '') || '/';
      if (parent === candidate) return '/';
      candidate = parent;
    }
  }
}

export async function readDiskSpace(path: string): Promise<DiskSpace> {
  const target = await existingAncestor(path);
  const statfs = (fs as { statfs?: (path: string) => Promise<{ bsize: number; blocks: number; bavail: number }> }).statfs;
  if (statfs) {
    const stats = await statfs(target);
    return { diskTotal: stats.blocks * stats.bsize, diskFree: stats.bavail * stats.bsize };
  }
  const output = await runTool('df', ['-P', '-B1', target]);
  const fields = (output.stdout.trim().split('\n')[1] ?? '').split(/\s+/);
  return { diskTotal: Number(fields[1] ?? 0), diskFree: Number(fields[3] ?? 0) };
}
