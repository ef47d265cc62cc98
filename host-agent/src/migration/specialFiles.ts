// The device nodes and fifos of a guest root, carried beside rsync: the target's rrsync creates
// none below its restricted directory (--drop-D), so the source lists them after each round (with
// mode, numeric owner, device numbers and mtime, and their directories' mtimes) and the target
// makes them in the staged root on arrival, through GuestRoot (no link followed), then puts the
// directories' mtimes back. Sockets are runtime objects and are not carried; nor are xattrs or
// ACLs on device nodes and fifos.
import { promises as fs } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { SpecialFiles } from '../../../shared/protocol/schemas';
import { GuestRoot } from '../guestRoot/guestRoot';
import { runTool } from '../process/runTool';

const MAX_SPECIALS = 5_000;

/** Linux's dev_t encoding (glibc's gnu_dev_major / gnu_dev_minor). */
function deviceNumbers(rdev: bigint): { major: number; minor: number } {
  return {
    major: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
    minor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
  };
}

export async function listSpecialFiles(root: string): Promise<SpecialFiles> {
  const found = await runTool('find', [root, '-xdev', '(', '-type', 'b', '-o', '-type', 'c', '-o', '-type', 'p', ')', '-printf', '%P\\0']);
  const paths = found.stdout.split('\0').filter(Boolean);
  if (paths.length > MAX_SPECIALS) throw new Error(`the guest root holds ${paths.length} device nodes and fifos, more than the ${MAX_SPECIALS} a migration carries`);
  const files: SpecialFiles['files'] = [];
  for (const path of paths) {
    const stats = await fs.lstat(`${root}/${path}`, { bigint: true }).catch(() => undefined);
    if (!stats) continue;
    const type = stats.isCharacterDevice() ? 'c' : stats.isBlockDevice() ? 'b' : stats.isFIFO() ? 'p' : undefined;
    if (!type) continue;
    files.push({
      path, type, mode: Number(stats.mode & 0o7777n), uid: Number(stats.uid), gid: Number(stats.gid),
      ...(type === 'p' ? { major: 0, minor: 0 } : deviceNumbers(stats.rdev)), mtimeNs: String(stats.mtimeNs),
    });
  }
  const directories: SpecialFiles['directories'] = [];
  for (const directory of new Set(files.map((file) => dirname(file.path)))) {
    const stats = await fs.lstat(directory === '.' ? root : `${root}/${directory}`, { bigint: true }).catch(() => undefined);
    if (stats?.isDirectory()) directories.push({ path: directory, mtimeNs: String(stats.mtimeNs) });
  }
  return { files, directories };
}

/**
 * Makes the nodes in `root` (what already sits at a name is left) and sets their directories'
 * mtimes, one directory at a time, deepest first: a process per directory, not two per node (on
 * arrival this is downtime). Making a node changes its own directory's time only.
 */
export async function makeSpecialFiles(root: string, specials: SpecialFiles): Promise<void> {
  const byDirectory = new Map<string, SpecialFiles['files']>();
  for (const file of specials.files) {
    const directory = dirname(file.path);
    byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), file]);
  }
  const times = new Map(specials.directories.map((directory) => [directory.path, directory.mtimeNs]));
  const deepestFirst = [...new Set([...byDirectory.keys(), ...times.keys()])].sort((left, right) => right.split('/').length - left.split('/').length);
  await GuestRoot.using(root, async (guestRoot) => {
    for (const directory of deepestFirst) {
      const nodes = (byDirectory.get(directory) ?? []).map((file) => ({
        name: basename(file.path), type: file.type, major: file.major, minor: file.minor, mode: file.mode, owner: { uid: file.uid, gid: file.gid }, mtimeNs: file.mtimeNs,
      }));
      await guestRoot.makeNodes(directory, nodes, times.get(directory));
    }
  });
}
