// GuestRoot on real hostile trees: links at every component, at the final name, and a directory
// swapped for a link after the root was opened. Nothing outside the root is ever written.
import { execFileSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GuestRoot, GuestRootError } from '../../host-agent/src/guestRoot/guestRoot';

let scratch: string;
let rootPath: string;
let outside: string;
let root: GuestRoot;

async function outsideState(): Promise<unknown> {
  const dir = await stat(outside);
  return { mode: dir.mode & 0o7777, entries: (await readdir(outside)).sort(), file: await readFile(join(outside, 'file'), 'utf8') };
}

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vfleet-guestroot-'));
  rootPath = join(scratch, 'root');
  outside = join(scratch, 'host');
  await mkdir(join(rootPath, 'etc'), { recursive: true });
  await mkdir(outside);
  await chmod(outside, 0o750);
  await writeFile(join(outside, 'file'), 'host\n');
  root = await GuestRoot.open(rootPath);
});

afterEach(async () => {
  await root.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('writing inside a guest root', () => {
  it('makes a copied tree\'s fifos and block devices with their owner and mtime, and puts a directory\'s mtime back', async () => {
    await root.makeDirectory('srv', { mode: 0o755 });
    expect(await root.makeNode('srv/fifo', { type: 'p', major: 0, minor: 0, mode: 0o640, owner: { uid: 1234, gid: 2345 }, mtimeNs: '981173106123456789' })).toBe(true);
    expect(await root.makeNode('srv/disk', { type: 'b', major: 7, minor: 0, mode: 0o600, mtimeNs: '981173106000000001' })).toBe(true);
    expect(await root.makeNode('srv/fifo', { type: 'p', major: 0, minor: 0, mode: 0o600 })).toBe(false);
    await root.setDirectoryTime('srv', '981173100000000007');
    const fifo = await lstat(join(rootPath, 'srv', 'fifo'), { bigint: true });
    expect([fifo.isFIFO(), fifo.mode & 0o7777n, fifo.uid, fifo.gid, fifo.mtimeNs]).toEqual([true, 0o640n, 1234n, 2345n, 981173106123456789n]);
    const disk = await lstat(join(rootPath, 'srv', 'disk'), { bigint: true });
    expect([disk.isBlockDevice(), disk.rdev, disk.mtimeNs]).toEqual([true, 7n * 256n, 981173106000000001n]);
    expect((await lstat(join(rootPath, 'srv'), { bigint: true })).mtimeNs).toBe(981173100000000007n);
    await symlink(outside, join(rootPath, 'linked'));
    await expect(root.makeNode('linked/fifo', { type: 'p', major: 0, minor: 0, mode: 0o600 })).rejects.toThrow('/linked is a symbolic link');
    await expect(root.setDirectoryTime('linked', '1')).rejects.toThrow('/linked is a symbolic link');
    expect(await outsideState()).toEqual({ mode: 0o750, entries: ['file'], file: 'host\n' });
  });

  it('makes a directory\'s nodes in one call: each with its owner and mtime, what is there left, then the directory\'s mtime; a failure names its node', async () => {
    await root.makeDirectory('dev', { mode: 0o755 });
    await writeFile(join(rootPath, 'dev', 'kept'), 'kept\n');
    const made = await root.makeNodes('dev', [
      { name: 'null', major: 1, minor: 3, mode: 0o666, mtimeNs: '981173106123456789' },
      { name: 'kept', major: 1, minor: 5, mode: 0o666 },
      { name: 'pipe', type: 'p', major: 0, minor: 0, mode: 0o640, owner: { uid: 1234, gid: 2345 }, mtimeNs: '981173106000000001' },
    ], '981173100000000007');
    expect(made).toEqual(['null', 'pipe']);
    const devNull = await lstat(join(rootPath, 'dev', 'null'), { bigint: true });
    expect([devNull.isCharacterDevice(), devNull.rdev, devNull.mode & 0o7777n, devNull.mtimeNs]).toEqual([true, 0x103n, 0o666n, 981173106123456789n]);
    const pipe = await lstat(join(rootPath, 'dev', 'pipe'), { bigint: true });
    expect([pipe.isFIFO(), pipe.mode & 0o7777n, pipe.uid, pipe.gid, pipe.mtimeNs]).toEqual([true, 0o640n, 1234n, 2345n, 981173106000000001n]);
    expect(await readFile(join(rootPath, 'dev', 'kept'), 'utf8')).toBe('kept\n');
    expect((await lstat(join(rootPath, 'dev'), { bigint: true })).mtimeNs).toBe(981173100000000007n);
    await expect(root.makeNodes('dev', [{ name: 'zero', major: 1, minor: 5, mode: 0o666 }, { name: 'bad', major: 1, minor: 3, mode: 0o666, mtimeNs: '1x' }]))
      .rejects.toThrow("the guest's /dev/bad cannot be made");
    await symlink(outside, join(rootPath, 'dev', 'linked'));
    await expect(root.makeNodes('dev', [{ name: 'linked', major: 1, minor: 3, mode: 0o666 }])).rejects.toThrow('/dev/linked is a symbolic link');
    expect(await outsideState()).toEqual({ mode: 0o750, entries: ['file'], file: 'host\n' });
  });

  it('makes directories, files, links and device nodes where the path says, with exact modes', async () => {
    await root.makeDirectory('var/lib/app', { mode: 0o750 });
    expect(await root.writeFile('etc/hostname', 'web1\n')).toBe(true);
    expect(await root.writeFile('etc/hosts', 'first\n', { ifMissing: true })).toBe(true);
    expect(await root.writeFile('etc/hosts', 'second\n', { ifMissing: true })).toBe(false);
    expect(await root.symlink('/proc/self/fd', 'etc/fd')).toBe(true);
    await root.makeDirectory('dev/shm', { mode: 0o1777 });
    await root.makeNode('dev/null', { major: 1, minor: 3, mode: 0o666 });
    expect((await stat(join(rootPath, 'var', 'lib', 'app'))).mode & 0o7777).toBe(0o750);
    expect((await stat(join(rootPath, 'dev', 'shm'))).mode & 0o7777).toBe(0o1777);
    expect(await readFile(join(rootPath, 'etc', 'hostname'), 'utf8')).toBe('web1\n');
    expect(await readFile(join(rootPath, 'etc', 'hosts'), 'utf8')).toBe('first\n');
    expect(await readlink(join(rootPath, 'etc', 'fd'))).toBe('/proc/self/fd');
    const devNull = await lstat(join(rootPath, 'dev', 'null'));
    expect([devNull.isCharacterDevice(), devNull.rdev, devNull.mode & 0o777]).toEqual([true, 0x103, 0o666]);
    expect(await readdir(join(rootPath, 'etc'))).toEqual(['fd', 'hostname', 'hosts']);
  });

  it('replaces a file by a new inode, so a hard link to it elsewhere keeps its content', async () => {
    await writeFile(join(rootPath, 'etc', 'hostname'), 'old\n');
    execFileSync('ln', [join(rootPath, 'etc', 'hostname'), join(rootPath, 'shared')]);
    await root.writeFile('etc/hostname', 'new\n');
    expect(await readFile(join(rootPath, 'shared'), 'utf8')).toBe('old\n');
    expect(await readFile(join(rootPath, 'etc', 'hostname'), 'utf8')).toBe('new\n');
  });

  it('a failed call leaves none of the directories it made; a refused write leaves its directory as it was', async () => {
    await expect(root.makeDirectory(`srv/new/${'x'.repeat(300)}`, { mode: 0o755 })).rejects.toThrow();
    await mkdir(join(rootPath, 'etc', 'hostname'));
    await expect(root.writeFile('etc/hostname', 'web1\n')).rejects.toThrow("the guest's /etc/hostname is not a regular file");
    expect((await readdir(rootPath)).sort()).toEqual(['etc']);
    expect(await readdir(join(rootPath, 'etc'))).toEqual(['hostname']);
  });
});

describe('refusing what a link could redirect', () => {
  it('refuses a link at the final name, naming the guest path and the target', async () => {
    await symlink(join(outside, 'file'), join(rootPath, 'etc', 'hostname'));
    const refused = root.writeFile('etc/hostname', 'web1\n');
    await expect(refused).rejects.toBeInstanceOf(GuestRootError);
    await expect(refused).rejects.toThrow(`the guest's /etc/hostname is a symbolic link (to ${join(outside, 'file')})`);
    await expect(root.makeDirectory('etc/hostname', { mode: 0o755 })).rejects.toThrow('/etc/hostname is a symbolic link');
    expect(await outsideState()).toEqual({ mode: 0o750, entries: ['file'], file: 'host\n' });
  });

  it('refuses a link at any directory on the way, also when asked to create what is missing', async () => {
    await rm(join(rootPath, 'etc'), { recursive: true });
    await symlink(outside, join(rootPath, 'etc'));
    await expect(root.writeFile('etc/hostname', 'x')).rejects.toThrow(`the guest's /etc is a symbolic link (to ${outside})`);
    await expect(root.makeDirectory('etc/init.d', { mode: 0o755 })).rejects.toThrow('/etc is a symbolic link');
    await expect(root.symlink('/x', 'etc/link')).rejects.toThrow('/etc is a symbolic link');
    await expect(root.makeNode('etc/null', { major: 1, minor: 3, mode: 0o666, link: 'replace' })).rejects.toThrow('/etc is a symbolic link');
    await expect(root.entry('etc/hostname')).rejects.toThrow('/etc is a symbolic link');
    // "replace" is for the final name only: a link on the way is never removed or followed.
    await expect(root.makeDirectory('etc/shm', { mode: 0o1777, link: 'replace', resetMode: true })).rejects.toThrow('/etc is a symbolic link');
    expect(await outsideState()).toEqual({ mode: 0o750, entries: ['file'], file: 'host\n' });
  });

  it('refuses a relative link that climbs out with ".." and a path component that is a file', async () => {
    await mkdir(join(rootPath, 'var'));
    await symlink('../../host', join(rootPath, 'var', 'run'));
    await writeFile(join(rootPath, 'usr'), 'not a directory');
    await expect(root.writeFile('var/run/pid', '1')).rejects.toThrow("the guest's /var/run is a symbolic link (to ../../host)");
    await expect(root.makeDirectory('usr/bin', { mode: 0o755 })).rejects.toThrow("the guest's /usr is not a directory");
    expect(await outsideState()).toEqual({ mode: 0o750, entries: ['file'], file: 'host\n' });
  });

  it('with link "replace", removes the link itself and makes its own entry; the target stays as it was', async () => {
    await mkdir(join(rootPath, 'dev'));
    await symlink(outside, join(rootPath, 'dev', 'shm'));
    await symlink(join(outside, 'file'), join(rootPath, 'dev', 'null'));
    await root.makeDirectory('dev/shm', { mode: 0o1777, link: 'replace', resetMode: true });
    await root.makeNode('dev/null', { major: 1, minor: 3, mode: 0o666, link: 'replace' });
    const shm = await lstat(join(rootPath, 'dev', 'shm'));
    expect([shm.isDirectory(), shm.mode & 0o7777]).toEqual([true, 0o1777]);
    expect((await lstat(join(rootPath, 'dev', 'null'))).isCharacterDevice()).toBe(true);
    expect(await outsideState()).toEqual({ mode: 0o750, entries: ['file'], file: 'host\n' });
  });

  it('never follows what it only describes or keeps: entry() of a link, ifMissing over a link', async () => {
    await symlink(join(outside, 'file'), join(rootPath, 'etc', 'hosts'));
    expect((await root.entry('etc/hosts'))?.isSymbolicLink()).toBe(true);
    expect(await root.entry('etc/missing')).toBeUndefined();
    expect(await root.writeFile('etc/hosts', 'guest\n', { ifMissing: true })).toBe(false);
    expect(await outsideState()).toEqual({ mode: 0o750, entries: ['file'], file: 'host\n' });
  });

  it('keeps working in the directory it opened when the root path is swapped for a link to a host directory', async () => {
    await rename(rootPath, join(scratch, 'moved-root'));
    await symlink(outside, rootPath);
    await root.writeFile('etc/hostname', 'web1\n');
    await root.makeDirectory('dev/shm', { mode: 0o1777, resetMode: true });
    expect(await readFile(join(scratch, 'moved-root', 'etc', 'hostname'), 'utf8')).toBe('web1\n');
    expect(await outsideState()).toEqual({ mode: 0o750, entries: ['file'], file: 'host\n' });
  });

  it('refuses a directory swapped for a link after it was made, on the next walk through it', async () => {
    await root.makeDirectory('dev', { mode: 0o755 });
    await rename(join(rootPath, 'dev'), join(rootPath, 'dev.old'));
    await symlink(outside, join(rootPath, 'dev'));
    await expect(root.makeDirectory('dev/shm', { mode: 0o1777, resetMode: true })).rejects.toThrow(`the guest's /dev is a symbolic link (to ${outside})`);
    await expect(root.makeNode('dev/null', { major: 1, minor: 3, mode: 0o666 })).rejects.toThrow('/dev is a symbolic link');
    expect(await outsideState()).toEqual({ mode: 0o750, entries: ['file'], file: 'host\n' });
  });

  it('refuses to open a root that is itself a link, and paths that are not below the root', async () => {
    await symlink(outside, join(scratch, 'root-link'));
    await expect(GuestRoot.open(join(scratch, 'root-link'))).rejects.toThrow(`the guest root ${join(scratch, 'root-link')} cannot be opened as a directory`);
    await expect(root.writeFile('../host/file', 'x')).rejects.toThrow('is not a path below a guest root');
    await expect(root.writeFile('/', 'x')).rejects.toThrow('is not a path below a guest root');
    expect(await outsideState()).toEqual({ mode: 0o750, entries: ['file'], file: 'host\n' });
  });
});
