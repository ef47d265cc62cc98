// Mount points inside the guest root must be plain directories: a symlink there would point the
// launcher's mount elsewhere. Missing ones are created, as util-vserver's build does.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { GuestConfig } from '../../../../../shared/domain/guest';
import type { FstabMount } from './guestFstab';

const LAUNCHER_MOUNT_POINTS = ['proc', 'sys', 'dev'];

async function assertDirectoryWithoutSymlinks(root: string, relative: string): Promise<void> {
  let current = root;
  for (const part of relative.split('/').filter(Boolean)) {
    current = join(current, part);
    const stat = await fs.lstat(current).catch(() => undefined);
    if (!stat) {
      await fs.mkdir(current, { mode: 0o755 });
      continue;
    }
    if (stat.isSymbolicLink()) throw new Error(`${current} is a symbolic link; a mount point inside the guest must be a directory`);
    if (!stat.isDirectory()) throw new Error(`${current} is not a directory, so nothing can be mounted there`);
  }
}

export async function prepareMountPoints(config: GuestConfig, mounts: FstabMount[]): Promise<void> {
  const root = await fs.stat(config.rootDir).catch(() => undefined);
  if (!root?.isDirectory()) throw new Error(`the guest root ${config.rootDir} does not exist`);
  const init = config.initStyle === 'plain' ? 'sbin/init' : 'bin/sh';
  if (!(await fs.stat(join(config.rootDir, init)).catch(() => undefined))) {
    throw new Error(`${join(config.rootDir, init)} is missing, which the ${config.initStyle} init style runs`);
  }
  for (const point of [...LAUNCHER_MOUNT_POINTS, ...mounts.map((mount) => mount.target)]) await assertDirectoryWithoutSymlinks(config.rootDir, point);
}
