// What a copy of a file tree must keep, one line per entry: type, mode, numeric owner, size,
// device number, link target, hard-link group, allocated size class (sparse or not) and every
// extended attribute (POSIX ACLs and security.capability included), as `getfattr` reads them;
// on request also each file's content (SHA-256) and each entry's mtime in nanoseconds.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export type TreeManifest = Record<string, string>;

function kind(stats: Awaited<ReturnType<typeof lstat>>): string {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'directory';
  if (stats.isFile()) return 'file';
  if (stats.isCharacterDevice()) return 'char';
  if (stats.isBlockDevice()) return 'block';
  if (stats.isFIFO()) return 'fifo';
  return 'socket';
}

function extendedAttributes(path: string): string {
  const dump = execFileSync('getfattr', ['--no-dereference', '--absolute-names', '--dump', '--match=-', '--encoding=hex', path], { encoding: 'utf8' });
  return dump.split('\n').filter((line) => line && !line.startsWith('#')).sort().join(',');
}

export interface ManifestOptions {
  /** A file's SHA-256. */
  content?: boolean;
  /** Every entry's modification time (nanoseconds; a symlink's own). */
  mtime?: boolean;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The manifest of `root`, or of the entries of `root` named in `only` (the paths of another manifest). */
export async function treeManifest(root: string, only?: string[], options: ManifestOptions = {}): Promise<TreeManifest> {
  const paths: string[] = only ?? [];
  if (!only) {
    const walk = async (relative: string): Promise<void> => {
      paths.push(relative);
      const stats = await lstat(join(root, relative));
      if (!stats.isDirectory()) return;
      for (const entry of (await readdir(join(root, relative))).sort()) await walk(relative === '.' ? entry : `${relative}/${entry}`);
    };
    await walk('.');
  }
  const manifest: TreeManifest = {};
  const firstPathOfInode = new Map<number, string>();
  for (const relative of paths) {
    const path = join(root, relative);
    const stats = await lstat(path).catch(() => undefined);
    if (!stats) {
      manifest[relative] = 'missing';
      continue;
    }
    const type = kind(stats);
    const linkGroup = type !== 'directory' && stats.nlink > 1 ? (firstPathOfInode.get(stats.ino) ?? relative) : '-';
    if (linkGroup === relative) firstPathOfInode.set(stats.ino, relative);
    const fields = [
      type,
      (stats.mode & 0o7777).toString(8),
      `${stats.uid}:${stats.gid}`,
      type === 'file' || type === 'symlink' ? String(stats.size) : '-',
      type === 'char' || type === 'block' ? `${Math.floor(stats.rdev / 256)}:${stats.rdev % 256}` : '-',
      type === 'symlink' ? await readlink(path) : '-',
      `links=${linkGroup}`,
      type === 'file' && stats.blocks * 512 < stats.size / 2 ? 'sparse' : '-',
      extendedAttributes(path),
    ];
    if (options.content && type === 'file') fields.push(`sha256=${await sha256Of(path)}`);
    if (options.mtime) fields.push(`mtime=${(await lstat(path, { bigint: true })).mtimeNs}`);
    manifest[relative] = fields.join(' ');
  }
  return manifest;
}
