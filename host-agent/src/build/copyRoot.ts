// Copying a guest root from a running server (rsync build), a directory or a tarball (template
// build). A copy keeps what a real image carries: numeric owners, modes, hard links, symlinks
// as links, device nodes, fifos, sparse files, POSIX ACLs and every extended attribute
// (security.capability included); rsync also stays on one filesystem, as util-vserver's does.
import { promises as fs } from 'node:fs';
import { runTool } from '../process/runTool';

/** What a copy of a running system leaves out: kernel filesystems, volatile state, other guests. */
export const RSYNC_EXCLUDES = [
  '/proc', '/sys', '/dev', '/run', '/tmp', '/var/run', '/var/lock', '/var/tmp', '/mnt', '/media', '/lost+found',
  '/vservers', '/etc/vservers', '/var/lib/vservers', '/var/cache/vservers', '/var/lib/vfleet', '/swapfile',
];

/** rsync of a whole tree as it is: -a (owners, modes, times, links, devices, fifos) -H -A -X -S. */
const RSYNC_FAITHFUL = ['-aHAXS', '--numeric-ids'];

/** tar -x restoring all it stored; GNU tar also refuses ".." and absolute members and never extracts through a link it made. */
const TAR_FAITHFUL = ['--xattrs', '--xattrs-include=*', '--acls', '--numeric-owner', '--same-permissions', '--same-owner'];

function rsyncTree(from: string, root: string, extra: string[], signal?: AbortSignal): Promise<unknown> {
  return runTool('rsync', [...RSYNC_FAITHFUL, ...extra, '--', from.endsWith('/') ? from : `${from}/`, `${root}/`], { signal });
}

export async function rsyncRoot(source: string, root: string, extraExcludes: string[], signal?: AbortSignal): Promise<void> {
  const excludes = [...RSYNC_EXCLUDES, ...extraExcludes].map((path) => `--exclude=${path}`);
  await rsyncTree(source, root, ['-x', ...excludes], signal);
}

export async function copyTemplate(source: string, root: string, signal?: AbortSignal): Promise<void> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new Error(`the template ${source} does not exist`);
  if (stat.isDirectory()) {
    await rsyncTree(source, root, [], signal);
    return;
  }
  // GNU tar detects the compression itself.
  await runTool('tar', ['-x', ...TAR_FAITHFUL, '-f', source, '-C', root], { signal });
}

/** `options` are debootstrap's own (--include=..., --unpack-tarball=...), validated by the protocol. */
export async function debootstrapRoot(root: string, distribution: string, mirror: string | undefined, options: string[], signal?: AbortSignal): Promise<void> {
  const args = ['--variant=minbase', ...options, distribution, root];
  if (mirror) args.push(mirror);
  await runTool('debootstrap', args, { signal });
}
