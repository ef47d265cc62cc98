// The /dev a guest starts with, as util-vserver's build makes it (distrib/defaults/devs): the
// runtime mounts no devtmpfs, so these nodes are all the devices a guest sees.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../process/runTool';

const CHARACTER_DEVICES: Array<{ name: string; major: number; minor: number; mode: string }> = [
  { name: 'null', major: 1, minor: 3, mode: '666' },
  { name: 'zero', major: 1, minor: 5, mode: '666' },
  { name: 'full', major: 1, minor: 7, mode: '666' },
  { name: 'random', major: 1, minor: 8, mode: '666' },
  { name: 'urandom', major: 1, minor: 9, mode: '666' },
  { name: 'tty', major: 5, minor: 0, mode: '666' },
  { name: 'ptmx', major: 5, minor: 2, mode: '666' },
];

const PROC_LINKS: Array<[string, string]> = [
  ['fd', '/proc/self/fd'],
  ['stdin', '/proc/self/fd/0'],
  ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'],
];

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, () => false);
}

export async function populateDeviceNodes(root: string, signal?: AbortSignal): Promise<void> {
  const devDir = join(root, 'dev');
  await fs.mkdir(devDir, { recursive: true, mode: 0o755 });
  await fs.mkdir(join(devDir, 'pts'), { recursive: true });
  await fs.mkdir(join(devDir, 'shm'), { recursive: true, mode: 0o1777 });
  await fs.chmod(join(devDir, 'shm'), 0o1777);
  for (const device of CHARACTER_DEVICES) {
    const path = join(devDir, device.name);
    if (await exists(path)) continue;
    await runTool('mknod', ['-m', device.mode, path, 'c', String(device.major), String(device.minor)], { signal });
  }
  for (const [name, target] of PROC_LINKS) {
    const path = join(devDir, name);
    if (!(await exists(path))) await fs.symlink(target, path);
  }
}
