// Copying a guest root from a running server (rsync build), a directory or a tarball (template
// build). rsync keeps hard links and numeric owners and stays on one filesystem, as util-vserver's.
import { promises as fs } from 'node:fs';
import { runTool } from '../process/runTool';

/** What a copy of a running system leaves out: kernel filesystems, volatile state, other guests. */
export const RSYNC_EXCLUDES = [
  '/proc', '/sys', '/dev', '/run', '/tmp', '/var/run', '/var/lock', '/var/tmp', '/mnt', '/media', '/lost+found',
  '/vservers', '/etc/vservers', '/var/lib/vservers', '/var/cache/vservers', '/var/lib/vfleet', '/swapfile',
];

export async function rsyncRoot(source: string, root: string, extraExcludes: string[], signal?: AbortSignal): Promise<void> {
  const excludes = [...RSYNC_EXCLUDES, ...extraExcludes].map((path) => `--exclude=${path}`);
  const from = source.endsWith('/') ? source : `${source}/`;
  await runTool('rsync', ['-aHx', '--numeric-ids', ...excludes, '--', from, `${root}/`], { signal });
}

export async function copyTemplate(source: string, root: string, signal?: AbortSignal): Promise<void> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new Error(`the template ${source} does not exist`);
  if (stat.isDirectory()) {
    await runTool('rsync', ['-aH', '--numeric-ids', '--', `${source}/`, `${root}/`], { signal });
    return;
  }
  // GNU tar detects the compression itself and refuses members that climb out with "..".
  await runTool('tar', ['-x', '--numeric-owner', '-p', '-f', source, '-C', root], { signal });
}

/** `options` are debootstrap's own (--include=..., --unpack-tarball=...), validated by the protocol. */
export async function debootstrapRoot(root: string, distribution: string, mirror: string | undefined, options: string[], signal?: AbortSignal): Promise<void> {
  const args = ['--variant=minbase', ...options, distribution, root];
  if (mirror) args.push(mirror);
  await runTool('debootstrap', args, { signal });
}
