// Mount points inside the guest root must be plain directories: a symlink there would point the
// launcher's mount elsewhere. Missing ones are created, as util-vserver's build does, through the
// agent's one no-follow way into a guest root.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { GuestConfig } from '../../../../../shared/domain/guest';
import { GuestRoot } from '../../../guestRoot/guestRoot';
import type { FstabMount } from './guestFstab';

const LAUNCHER_MOUNT_POINTS = ['proc', 'sys', 'dev'];

export async function prepareMountPoints(config: GuestConfig, mounts: FstabMount[]): Promise<void> {
  const root = await fs.stat(config.rootDir).catch(() => undefined);
  if (!root?.isDirectory()) throw new Error(`the guest root ${config.rootDir} does not exist`);
  const init = config.initStyle === 'plain' ? 'sbin/init' : 'bin/sh';
  // Only a check for a clear message: the guest's own links (usrmerge's bin -> usr/bin) lead to it.
  if (!(await fs.stat(join(config.rootDir, init)).catch(() => undefined))) {
    throw new Error(`${join(config.rootDir, init)} is missing, which the ${config.initStyle} init style runs`);
  }
  await GuestRoot.using(config.rootDir, async (guestRoot) => {
    for (const point of [...LAUNCHER_MOUNT_POINTS, ...mounts.map((mount) => mount.target)]) await guestRoot.makeDirectory(point, { mode: 0o755 });
  });
}
