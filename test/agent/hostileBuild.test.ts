// Builds from templates and rsync sources that carry links to host paths, run by the agent on a
// real lab host: nothing outside the new root is written, a hostile tree is refused by name and
// leaves nothing behind, and a copy keeps everything a real image carries (xattrs, ACLs, ...).
import { execFileSync } from 'node:child_process';
import { chmod, chown, link, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hostFiles } from '../lab/labLayout';
import { labDown, labUp, type Lab } from '../lab/lab';
import { stageAgentBundle, type StagedAgent } from './support/agentBundle';
import { tarArchive, type TarMember } from './support/tarArchive';
import { treeManifest } from './support/treeManifest';

const LAB = 'sealbuild';
const SUBNET = '10.213.133.0/24';
const HOST = 'lab-1';
let lab: Lab;
let staged: StagedAgent;
/** On this machine's /var/tmp, which lab hosts share: sources, tarballs and the host canaries. */
let work: string;
let canaryFile: string;
let canaryDir: string;
let nextXid = 2000;

type Method = 'tarball' | 'directory' | 'rsync';

async function agentBuild(name: string, method: Method, source: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const methodArgs = method === 'rsync' ? ['-m', 'rsync', '--', '--source', source] : ['-m', 'template', '--', '-t', source];
  nextXid += 1;
  return lab.exec(HOST, [process.execPath, staged.path, 'build', name, '--context', String(nextXid), '--hostname', name, ...methodArgs], { timeoutMs: 60_000 });
}

/** The built root as this machine sees it: the lab host's /vservers is a bind of this directory. */
function builtRoot(name: string): string {
  return join(hostFiles(lab.dir, HOST).hostDir, 'vservers', name);
}

async function canaryState(): Promise<unknown> {
  const [file, dir] = await Promise.all([stat(canaryFile), stat(canaryDir)]);
  return {
    content: await readFile(canaryFile, 'utf8'),
    file: [file.mode & 0o7777, file.uid, file.gid, file.mtimeMs],
    dir: [dir.mode & 0o7777, dir.uid, dir.gid],
    entries: (await readdir(canaryDir)).sort(),
  };
}

/** Names in the host's guest and configuration directories, temporary build directories included. */
async function hostLeftovers(): Promise<string> {
  return (await lab.exec(HOST, ['sh', '-c', 'ls -A /vservers /etc/vservers; ls -A /etc/vservers/.vfleet/builds 2>/dev/null || true'])).stdout;
}

/** A small guest tree with `links` planted in it (relative path -> link target). */
async function treeWithLinks(label: string, links: Record<string, string>): Promise<string> {
  const tree = join(work, label);
  await mkdir(join(tree, 'etc'), { recursive: true });
  await mkdir(join(tree, 'dev'), { recursive: true });
  await writeFile(join(tree, 'etc', 'motd'), 'hello\n');
  for (const [path, target] of Object.entries(links)) {
    await rm(join(tree, path), { recursive: true, force: true });
    await symlink(target, join(tree, path));
  }
  return tree;
}

function tarOf(tree: string): string {
  const tarball = `${tree}.tar`;
  execFileSync('tar', ['-c', '-f', tarball, '-C', tree, '.']);
  return tarball;
}

async function sourceFor(method: Method, label: string, links: Record<string, string>): Promise<string> {
  const tree = await treeWithLinks(`${label}-${method}`, links);
  return method === 'tarball' ? tarOf(tree) : tree;
}

let canaryBefore: unknown;

/** (Re)makes the host file and directory the hostile trees point at, always in the same state. */
async function plantCanaries(): Promise<void> {
  await rm(canaryDir, { recursive: true, force: true });
  await mkdir(canaryDir);
  await chmod(canaryDir, 0o750);
  await writeFile(join(canaryDir, 'keep'), 'host data\n');
  await writeFile(canaryFile, 'host file, not a guest hostname\n');
  await chmod(canaryFile, 0o640);
  await chown(canaryFile, 4321, 4321);
  await utimes(canaryFile, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
}

beforeAll(async () => {
  staged = stageAgentBundle();
  work = await mkdtemp('/var/tmp/vfleet-hostile-');
  canaryDir = join(work, 'host-dir');
  canaryFile = join(work, 'host-file');
  await plantCanaries();
  canaryBefore = await canaryState();
  await labDown({ name: LAB });
  lab = await labUp({ name: LAB, hosts: 1, subnet: SUBNET });
}, 180_000);

// Each test starts from intact canaries, so each one shows its own finding.
beforeEach(plantCanaries);

afterAll(async () => {
  await labDown({ name: LAB });
  staged?.remove();
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

describe.each<Method>(['tarball', 'directory', 'rsync'])('a %s source with links to host paths', (method) => {
  it('refuses an etc/hostname that links to a host file, names it, and leaves the host file and the host as they were', async () => {
    const name = `hn-${method}`;
    const result = await agentBuild(name, method, await sourceFor(method, 'hostname-link', { 'etc/hostname': canaryFile }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`guest '${name}'`);
    expect(result.stderr).toContain(`/etc/hostname is a symbolic link (to ${canaryFile})`);
    expect(await canaryState()).toEqual(canaryBefore);
    expect(await hostLeftovers()).not.toMatch(new RegExp(`${name}|\\.vfleet-build-`));
  });

  it('refuses a symlinked etc/, naming it, and writes nothing into the directory it points to', async () => {
    const name = `etc-${method}`;
    const result = await agentBuild(name, method, await sourceFor(method, 'etc-link', { etc: canaryDir }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`/etc is a symbolic link (to ${canaryDir})`);
    expect(await canaryState()).toEqual(canaryBefore);
    expect(await hostLeftovers()).not.toMatch(new RegExp(`${name}|\\.vfleet-build-`));
  });

  it('replaces dev/shm and dev/null links with its own /dev entries, leaving their targets untouched', async () => {
    const name = `shm-${method}`;
    const result = await agentBuild(name, method, await sourceFor(method, 'shm-link', { 'dev/shm': canaryDir, 'dev/null': canaryFile }));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await canaryState()).toEqual(canaryBefore);
    const shm = await lstat(join(builtRoot(name), 'dev', 'shm'));
    expect([shm.isDirectory(), shm.mode & 0o7777]).toEqual([true, 0o1777]);
    expect((await lstat(join(builtRoot(name), 'dev', 'null'))).isCharacterDevice()).toBe(true);
  });

  it('replaces a dev/ that links to a host directory with a directory of its own', async () => {
    const name = `dev-${method}`;
    const result = await agentBuild(name, method, await sourceFor(method, 'dev-link', { dev: canaryDir }));
    expect(result.stderr).toBe('');
    expect(await canaryState()).toEqual(canaryBefore);
    expect((await lstat(join(builtRoot(name), 'dev'))).isDirectory()).toBe(true);
    expect((await lstat(join(builtRoot(name), 'dev', 'zero'))).isCharacterDevice()).toBe(true);
  });
});

describe('links a real image has', () => {
  it.each<Method>(['tarball', 'directory', 'rsync'])('a usrmerged %s with bin -> usr/bin, an absolute etc/localtime and etc/mtab builds and keeps them as links', async (method) => {
    const tree = join(work, `usrmerged-${method}`);
    for (const directory of ['usr/bin', 'usr/lib', 'usr/sbin', 'var', 'etc', 'run']) await mkdir(join(tree, directory), { recursive: true });
    const links: Record<string, string> = { bin: 'usr/bin', lib: 'usr/lib', sbin: 'usr/sbin', 'etc/localtime': '/usr/share/zoneinfo/UTC', 'etc/mtab': '../proc/self/mounts' };
    for (const [path, target] of Object.entries(links)) await symlink(target, join(tree, path));
    const name = `usrmerged-${method}`;
    const result = await agentBuild(name, method, method === 'tarball' ? tarOf(tree) : tree);
    expect(result.stderr).toBe('');
    for (const [path, target] of Object.entries(links)) expect(await readlink(join(builtRoot(name), path))).toBe(target);
    expect(await readFile(join(builtRoot(name), 'etc', 'hostname'), 'utf8')).toBe(`${name}\n`);
  });
});

describe('a tarball whose members climb out of the root', () => {
  it.each<[string, (host: { dir: string; file: string }) => TarMember[]]>([
    ['a member through an absolute symlink', ({ dir }) => [{ type: 'symlink', name: 'escape', target: dir }, { type: 'file', name: 'escape/planted', data: 'x' }]],
    ['a member through a ".." symlink', ({ dir }) => [
      { type: 'symlink', name: 'up', target: `../../../../../../../..${dir}` }, { type: 'file', name: 'up/planted', data: 'x' },
    ]],
    ['a member through a relative link to an absolute link', ({ dir }) => [
      { type: 'symlink', name: 'hop', target: 'escape' }, { type: 'symlink', name: 'escape', target: dir }, { type: 'file', name: 'hop/planted', data: 'x' },
    ]],
    ['a ".." member', () => [{ type: 'file', name: '../../../../../../../../var/tmp/planted', data: 'x' }]],
    ['a hard link to a host file', ({ file }) => [{ type: 'hardlink', name: 'etc/passwd', target: file }]],
    ['a hard link through ".."', ({ file }) => [{ type: 'hardlink', name: 'etc/passwd', target: `../../../../../../../..${file}` }]],
  ])('%s: tar refuses it, nothing is written outside and the build leaves nothing', async (label, members) => {
    const name = `climb-${label.replace(/[^a-z]+/g, '')}`.slice(0, 30);
    const tarball = join(work, `${name}.tar`);
    await writeFile(tarball, tarArchive([{ type: 'directory', name: 'etc/' }, ...members({ dir: canaryDir, file: canaryFile })]));
    const result = await agentBuild(name, 'tarball', tarball);
    expect(await canaryState()).toEqual(canaryBefore);
    expect(await readdir('/var/tmp')).not.toContain('planted');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`guest '${name}' on host ${HOST}: tar exited with code 2`));
    expect(await hostLeftovers()).not.toMatch(new RegExp(`${name}|\\.vfleet-build-`));
  });
});

describe('a tarball that replaces a directory by a link and back', () => {
  it('a symlinked etc/ followed by an etc/ directory and etc/hostname: nothing reaches the linked host directory', async () => {
    const name = 'etc-link-then-dir';
    const tarball = join(work, `${name}.tar`);
    await writeFile(tarball, tarArchive([
      { type: 'symlink', name: 'etc', target: canaryDir }, { type: 'directory', name: 'etc/' }, { type: 'file', name: 'etc/hostname', data: 'planted\n' },
    ]));
    const result = await agentBuild(name, 'tarball', tarball);
    expect(await canaryState()).toEqual(canaryBefore);
    // GNU tar's end-of-run check of its placeholder for the delayed link fails or passes depending on
    // whether the new etc/ got the placeholder's inode number: either way etc/ stays a real directory.
    if (result.code === 0) {
      expect((await lstat(join(builtRoot(name), 'etc'))).isDirectory()).toBe(true);
      expect(await readFile(join(builtRoot(name), 'etc', 'hostname'), 'utf8')).toBe(`${name}\n`);
    } else {
      expect(result.stderr).toContain('tar exited with code 2');
      expect(await hostLeftovers()).not.toMatch(new RegExp(`${name}|\\.vfleet-build-`));
    }
  });
});

describe('a tarball with an absolute member', () => {
  it('lands it inside the new root (tar strips the leading "/"), not on the host path it names', async () => {
    const name = 'absolute-member';
    const tarball = join(work, `${name}.tar`);
    await writeFile(tarball, tarArchive([{ type: 'file', name: `${canaryDir}/planted`, data: 'inside\n' }]));
    const result = await agentBuild(name, 'tarball', tarball);
    expect(result.code).toBe(0);
    expect(await canaryState()).toEqual(canaryBefore);
    expect(await readFile(join(builtRoot(name), canaryDir, 'planted'), 'utf8')).toBe('inside\n');
  });
});

describe('a copied root keeps what a real image carries', () => {
  let source: string;
  let sourceManifest: Record<string, string>;

  beforeAll(async () => {
    source = join(work, 'image');
    for (const directory of ['bin', 'srv/data', 'srv/shared']) await mkdir(join(source, directory), { recursive: true });
    // Debian's ping: a root-owned binary with a file capability instead of setuid.
    execFileSync('cp', ['/bin/true', join(source, 'bin', 'ping')]);
    execFileSync('setcap', ['cap_net_raw+ep', join(source, 'bin', 'ping')]);
    const owned = join(source, 'srv', 'data', 'owned');
    await writeFile(owned, 'numeric owner\n', { mode: 0o640 });
    await chown(owned, 1234, 2345);
    // A capability on a file of another owner (chown clears it, so it is set after).
    await writeFile(join(source, 'srv', 'data', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    await chown(join(source, 'srv', 'data', 'tool'), 3000, 3000);
    execFileSync('setcap', ['cap_net_bind_service+ep', join(source, 'srv', 'data', 'tool')]);
    execFileSync('setfattr', ['-n', 'user.origin', '-v', 'template', owned]);
    execFileSync('setfattr', ['-n', 'trusted.vfleet', '-v', 'kept', owned]);
    execFileSync('setfacl', ['-m', 'u:4242:rw', owned]);
    execFileSync('setfacl', ['-d', '-m', 'g:4343:rx', join(source, 'srv', 'shared')]);
    await chmod(join(source, 'srv', 'shared'), 0o2775);
    await link(owned, join(source, 'srv', 'shared', 'owned-hardlink'));
    await symlink('../data/owned', join(source, 'srv', 'shared', 'owned-symlink'));
    execFileSync('mkfifo', [join(source, 'srv', 'fifo')]);
    execFileSync('mknod', [join(source, 'srv', 'null-device'), 'c', '1', '3']);
    const sparse = join(source, 'srv', 'data', 'sparse');
    await writeFile(sparse, 'head');
    await truncate(sparse, 64 * 1024 * 1024);
    execFileSync('sh', ['-c', 'printf tail | dd of="$1" bs=1 seek=33554432 conv=notrunc 2>/dev/null', 'sh', sparse]);
    sourceManifest = await treeManifest(source);
  });

  it('the source carries what is compared (capabilities, ACLs, user and trusted xattrs, a sparse file)', () => {
    expect(sourceManifest['bin/ping']).toContain('security.capability=0x');
    expect(sourceManifest['srv/data/owned']).toMatch(/file 660 1234:2345 .*system\.posix_acl_access=.*trusted\.vfleet=.*user\.origin=/);
    expect(sourceManifest['srv/shared']).toContain('system.posix_acl_default=');
    expect(sourceManifest['srv/data/sparse']).toContain(' sparse ');
    expect(sourceManifest['srv/null-device']).toContain('char 644 0:0 - 1:3');
  });

  it.each<[Method, () => string]>([
    ['tarball', () => {
      const tarball = join(work, 'image.tar');
      execFileSync('tar', ['-c', '--xattrs', '--xattrs-include=*', '--acls', '--numeric-owner', '--sparse', '-f', tarball, '-C', source, '.']);
      return tarball;
    }],
    ['directory', () => source],
    ['rsync', () => source],
  ])('from a %s: owners, modes, hard links, symlinks, devices, fifos, sparse files, ACLs and every xattr', async (method, sourcePath) => {
    const name = `image-${method}`;
    const result = await agentBuild(name, method, sourcePath());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const copied = await treeManifest(builtRoot(name), Object.keys(sourceManifest));
    expect(copied).toEqual(sourceManifest);
  });
});
