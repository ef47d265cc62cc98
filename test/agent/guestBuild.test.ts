import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgentParams } from '../../shared/protocol/methods';
import type { BuildParams } from '../../shared/protocol/schemas';
import { ERROR_CODES } from '../../shared/protocol/envelope';
import { buildGuest, type BuildEnvironment } from '../../host-agent/src/build/buildGuest';
import { listGuestNames, readGuestConfig } from '../../host-agent/src/config/guestConfigStore';
import { resolveAgentPaths, type AgentPaths } from '../../host-agent/src/host/agentPaths';
import { GuestLocks } from '../../host-agent/src/locks/guestLock';

let scratch: string;
let paths: AgentPaths;
let environment: BuildEnvironment;

function params(input: Record<string, unknown>): BuildParams {
  const checked = checkAgentParams('build', input);
  if (!checked.ok) throw new Error(checked.problem);
  return checked.value;
}

function build(input: Record<string, unknown>): ReturnType<typeof buildGuest> {
  return buildGuest(params(input), environment, new AbortController().signal);
}

/** Runs a command inside a built root with chroot: the guest's own binaries must work. */
function inRoot(root: string, argv: string[]): string {
  return execFileSync('chroot', [root, ...argv], { encoding: 'utf8' });
}

async function leftovers(): Promise<string[]> {
  const inGuestBase = (await readdir(paths.guestBase)).filter((entry) => entry.startsWith('.vfleet-build-'));
  const inBuilds = await readdir(join(paths.stateDir, 'builds')).catch(() => [] as string[]);
  return [...inGuestBase, ...inBuilds];
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vfleet-build-'));
  paths = resolveAgentPaths({ configBase: join(scratch, 'etc-vservers'), guestBase: join(scratch, 'vservers') }, {});
  const locks = new GuestLocks(paths.locksDir);
  environment = {
    paths,
    readConfigs: async () => Promise.all((await listGuestNames(paths.configBase)).map((name) => readGuestConfig(paths.configBase, paths.guestBase, name))),
    withBuildLock: (action) => locks.with('.build', 'test build', action),
  };
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('build methods', () => {
  it('busybox: a tiny guest whose shell, applets and init script work', async () => {
    const { rootDir, ...config } = await build({
      name: 'bb1', method: 'busybox', xid: 101, hostname: 'bb1.lab', interfaces: [{ ip: '10.250.0.11', prefix: 24 }], mark: 'default',
    });
    expect(rootDir).toBe(join(paths.guestBase, 'bb1'));
    expect(config).toMatchObject({ name: 'bb1', xid: 101, nodename: 'bb1.lab', initStyle: 'plain', mark: 'default' });
    expect(inRoot(rootDir, ['/bin/sh', '-c', 'echo $((6*7)); cat /etc/hostname; id -u; ls /proc /sys /tmp >/dev/null && echo dirs'])).toBe('42\nbb1.lab\n0\ndirs\n');
    expect(await readlink(join(rootDir, 'bin', 'ls'))).toBe('/bin/busybox');
    expect((await stat(join(rootDir, 'sbin', 'init'))).mode & 0o111).not.toBe(0);
    expect(await readFile(join(rootDir, 'etc', 'passwd'), 'utf8')).toMatch(/^root:x:0:0:/);
    const devNull = await stat(join(rootDir, 'dev', 'null'));
    expect(devNull.isCharacterDevice()).toBe(true);
    expect(inRoot(rootDir, ['/bin/sh', '-c', 'echo gone > /dev/null && echo writable'])).toBe('writable\n');
    expect((await stat(join(rootDir, 'tmp'))).mode & 0o7777).toBe(0o1777);
    // The configuration sits in util-vserver's layout, read back by the same reader.
    expect(await readGuestConfig(paths.configBase, paths.guestBase, 'bb1')).toMatchObject({ xid: 101, interfaces: [{ ip: '10.250.0.11', prefix: 24 }] });
    expect(await readFile(join(paths.configBase, 'bb1', 'context'), 'utf8')).toBe('101\n');
    expect(await readlink(join(paths.configBase, 'bb1', 'vdir'))).toBe(rootDir);
  });

  it('skeleton: directories, identity files and /dev only', async () => {
    const config = await build({ name: 'skel', method: 'skeleton', xid: 102, initStyle: 'sysv' });
    const entries = (await readdir(config.rootDir)).sort();
    for (const directory of ['bin', 'dev', 'etc', 'proc', 'root', 'sys', 'tmp', 'var']) expect(entries).toContain(directory);
    expect(await readFile(join(config.rootDir, 'etc', 'hostname'), 'utf8')).toBe('skel\n');
    expect(await readdir(join(config.rootDir, 'bin'))).toEqual([]);
    expect(config.initStyle).toBe('sysv');
  });

  it('template: unpacks a tarball and copies a directory, keeping owners and modes', async () => {
    const source = join(scratch, 'template-src');
    await mkdir(join(source, 'etc'), { recursive: true });
    await mkdir(join(source, 'srv', 'app'), { recursive: true });
    await writeFile(join(source, 'srv', 'app', 'run.sh'), '#!/bin/sh\necho app\n', { mode: 0o750 });
    await writeFile(join(source, 'etc', 'motd'), 'from template\n');
    execFileSync('chown', ['4321:4321', join(source, 'srv', 'app', 'run.sh')]);
    const tarball = join(scratch, 'template.tar.gz');
    execFileSync('tar', ['-czf', tarball, '-C', source, '.']);

    for (const [name, from, xid] of [['tpl-tar', tarball, 103], ['tpl-dir', source, 104]] as const) {
      const config = await build({ name, method: 'template', xid, source: from });
      const script = await stat(join(config.rootDir, 'srv', 'app', 'run.sh'));
      expect([script.uid, script.mode & 0o777]).toEqual([4321, 0o750]);
      expect(await readFile(join(config.rootDir, 'etc', 'motd'), 'utf8')).toBe('from template\n');
      expect((await lstat(join(config.rootDir, 'dev', 'zero'))).isCharacterDevice()).toBe(true);
    }
  });

  it('rsync: copies a running system tree with hard links, leaving out /proc, /sys, /dev, /tmp and /run', async () => {
    const server = join(scratch, 'old-server');
    for (const directory of ['etc', 'usr/bin', 'proc/1', 'sys/kernel', 'dev', 'tmp', 'run', 'var/log']) await mkdir(join(server, directory), { recursive: true });
    await writeFile(join(server, 'etc', 'hostname'), 'old-server\n');
    await writeFile(join(server, 'usr', 'bin', 'tool'), 'binary');
    execFileSync('ln', [join(server, 'usr', 'bin', 'tool'), join(server, 'usr', 'bin', 'tool-link')]);
    await writeFile(join(server, 'proc', '1', 'status'), 'not to copy');
    await writeFile(join(server, 'tmp', 'scratch'), 'not to copy');
    await writeFile(join(server, 'run', 'pid'), 'not to copy');
    await symlink('../usr/bin/tool', join(server, 'etc', 'tool-symlink'));

    const config = await build({ name: 'copied', method: 'rsync', xid: 105, hostname: 'copied', source: server });
    const root = config.rootDir;
    const [tool, link] = await Promise.all([stat(join(root, 'usr', 'bin', 'tool')), stat(join(root, 'usr', 'bin', 'tool-link'))]);
    expect(tool.ino).toBe(link.ino);
    expect(await readlink(join(root, 'etc', 'tool-symlink'))).toBe('../usr/bin/tool');
    expect(await readdir(join(root, 'proc'))).toEqual([]);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(await readdir(join(root, 'run'))).toEqual([]);
    expect(await readdir(join(root, 'sys'))).toEqual([]);
    // The guest gets its own identity, not the old server's.
    expect(await readFile(join(root, 'etc', 'hostname'), 'utf8')).toBe('copied\n');
  });
});

describe('refusals leave the host as it was', () => {
  it('refuses a duplicate name, context id or address, and an address of the host itself', async () => {
    await expect(build({ name: 'bb1', method: 'skeleton', xid: 150 })).rejects.toMatchObject({ code: ERROR_CODES.conflict, message: expect.stringContaining('already exists') });
    await expect(build({ name: 'other', method: 'skeleton', xid: 101 })).rejects.toMatchObject({ code: ERROR_CODES.conflict, message: expect.stringContaining("used by guest 'bb1'") });
    await expect(build({ name: 'other', method: 'skeleton', xid: 151, interfaces: [{ ip: '10.250.0.11', prefix: 24 }] })).rejects.toMatchObject({
      code: ERROR_CODES.conflict, message: expect.stringContaining('address 10.250.0.11'),
    });
    await expect(build({ name: 'other', method: 'skeleton', xid: 152, interfaces: [{ ip: '127.0.0.1', prefix: 8 }] })).rejects.toMatchObject({
      code: ERROR_CODES.conflict, message: expect.stringContaining('on the host itself'),
    });
    expect(await listGuestNames(paths.configBase)).not.toContain('other');
    expect(await readdir(paths.guestBase)).not.toContain('other');
  });

  it('a failing build (missing template) leaves no root, no configuration and no temporary directory', async () => {
    await expect(build({ name: 'broken', method: 'template', xid: 160, source: join(scratch, 'no-such.tar') })).rejects.toThrow(/does not exist/);
    expect(await readdir(paths.guestBase)).not.toContain('broken');
    expect(await listGuestNames(paths.configBase)).not.toContain('broken');
    expect(await leftovers()).toEqual([]);
  });

  it('an aborted build (as on SIGINT) is reported as cancelled and leaves nothing', async () => {
    const big = join(scratch, 'big-server');
    await mkdir(big, { recursive: true });
    for (let index = 0; index < 40; index += 1) await writeFile(join(big, `blob-${index}`), Buffer.alloc(8 * 1024 * 1024, index));
    const abort = new AbortController();
    const building = buildGuest(params({ name: 'aborted', method: 'rsync', xid: 170, source: big }), environment, abort.signal);
    // Abort while rsync is copying into the temporary root.
    for (;;) {
      const temporary = (await readdir(paths.guestBase)).find((entry) => entry.startsWith('.vfleet-build-') && entry.endsWith('-aborted'));
      if (temporary && (await readdir(join(paths.guestBase, temporary))).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    abort.abort();
    await expect(building).rejects.toMatchObject({ code: ERROR_CODES.cancelled });
    expect(await readdir(paths.guestBase)).not.toContain('aborted');
    expect(await listGuestNames(paths.configBase)).not.toContain('aborted');
    expect(await leftovers()).toEqual([]);
  });
});
