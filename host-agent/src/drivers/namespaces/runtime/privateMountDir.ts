// Persistent mount namespaces are bind mounts of /proc/<pid>/ns/mnt; the kernel accepts them only
// on a mount with private propagation, so the agent keeps one private bind of its mnt folder.
import { promises as fs } from 'node:fs';
import { runTool } from '../../../process/runTool';

export async function isMountPoint(path: string): Promise<boolean> {
  const mountinfo = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return mountinfo.split('\n').some((line) => line.split(' ')[4] === path);
}

export async function ensurePrivateMountDir(mountTool: string, directory: string): Promise<void> {
  await fs.mkdir(directory, { recursive: true, mode: 0o700 });
  if (!(await isMountPoint(directory))) await runTool(mountTool, ['--bind', directory, directory]);
  await runTool(mountTool, ['--make-private', directory]);
}
