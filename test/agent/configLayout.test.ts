import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, readlink, rm, cp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestConfig } from '../../shared/domain/guest';
import { SECURE_BCAPABILITIES } from '../../shared/validation';
import { readGuestConfig, writeGuestConfig, writeGuestLimits, listGuestNames } from '../../host-agent/src/config/guestConfigStore';

const FIXTURE_BASE = join(__dirname, '..', 'fixtures', 'vserver-config');
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vfleet-config-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('reading a recorded util-vserver configuration as it is', () => {
  it('maps every file of /etc/vservers/web1 to the guest configuration', async () => {
    const config = await readGuestConfig(FIXTURE_BASE, '/vservers', 'web1');
    expect(config).toEqual({
      name: 'web1',
      xid: 40123,
      nodename: 'web1',
      domainname: 'example.org',
      interfaces: [
        { id: '00', ip: '192.168.10.21', prefix: 24, dev: 'eth0' },
        { id: '01', ip: '10.8.0.5', prefix: 16, dev: '' },
      ],
      initStyle: 'sysv',
      mark: 'default',
      bcapabilities: [...SECURE_BCAPABILITIES.filter((cap) => cap !== 'CAP_SYS_CHROOT'), 'CAP_NET_RAW'].sort(),
      // util-vserver's secure context capabilities (audit_control, raw_icmp, set_utsname) plus the file's.
      ccapabilities: ['audit_control', 'raw_icmp', 'set_utsname'],
      cflags: ['hide_netif', 'virt_load', 'virt_uptime'],
      limits: {
        memoryHard: 65536 * 4096,
        memorySoft: 0xc000 * 4096,
        processes: 100,
        cpuFillRate: 1,
        cpuInterval: 4,
        cpuSet: '0-1',
      },
      rootDir: '/vservers/web1',
    } satisfies GuestConfig);
  });

  it('lists only guest directories, not dot-folders or files', async () => {
    expect(await listGuestNames(FIXTURE_BASE)).toEqual(['web1']);
  });

  it('reports a missing guest as not found, naming the directory', async () => {
    await expect(readGuestConfig(FIXTURE_BASE, '/vservers', 'nope')).rejects.toMatchObject({ code: 1002, message: expect.stringContaining('nope') });
  });
});

describe('writing back', () => {
  it('round-trips the recorded configuration through the writer unchanged', async () => {
    const base = join(scratch, 'roundtrip');
    await cp(FIXTURE_BASE, base, { recursive: true, verbatimSymlinks: true });
    const original = await readGuestConfig(base, '/vservers', 'web1');
    await writeGuestConfig(join(base, 'web1'), original);
    expect(await readGuestConfig(base, '/vservers', 'web1')).toEqual(original);
    // util-vserver files stay where util-vserver reads them: pages in rlimits, the bucket in sched.
    expect(await readFile(join(base, 'web1', 'rlimits', 'rss.hard'), 'utf8')).toBe('65536\n');
    expect(await readFile(join(base, 'web1', 'rlimits', 'nproc.hard'), 'utf8')).toBe('100\n');
    expect(await readFile(join(base, 'web1', 'sched', 'interval'), 'utf8')).toBe('4\n');
    expect(await readFile(join(base, 'web1', 'bcapabilities'), 'utf8')).toBe('CAP_NET_RAW\n!CAP_SYS_CHROOT\n');
    expect(await readlink(join(base, 'web1', 'vdir'))).toBe('/vservers/web1');
  });

  it('writes a new guest in the util-vserver layout and reads it back', async () => {
    const config: GuestConfig = {
      name: 'fresh', xid: 4242, nodename: 'fresh.lab', domainname: '', initStyle: 'plain', mark: 'default',
      interfaces: [{ id: '0', ip: '10.77.0.5', prefix: 24, dev: 'vf0' }],
      bcapabilities: [...SECURE_BCAPABILITIES, 'CAP_NET_ADMIN'].sort(), ccapabilities: ['raw_icmp'], cflags: ['virt_load'],
      limits: { memoryHard: 256 * 1024 * 1024, processes: 50, cpuFillRate: 1, cpuInterval: 4, ioWeight: 200 },
      rootDir: '/vservers/fresh',
    };
    const base = join(scratch, 'fresh-base');
    await writeGuestConfig(join(base, 'fresh'), config);
    expect(await readGuestConfig(base, '/vservers', 'fresh')).toEqual(config);
    expect((await readdir(join(base, 'fresh'))).sort()).toEqual(
      ['apps', 'bcapabilities', 'ccapabilities', 'cflags', 'context', 'fstab', 'interfaces', 'name', 'rlimits', 'sched', 'uts', 'vdir', 'vfleet'].sort(),
    );
    expect(await readFile(join(base, 'fresh', 'interfaces', '0', 'ip'), 'utf8')).toBe('10.77.0.5\n');
    expect(await readFile(join(base, 'fresh', 'fstab'), 'utf8')).toContain('/proc');
    await writeGuestLimits(join(base, 'fresh'), { processes: 10 });
    expect((await readGuestConfig(base, '/vservers', 'fresh')).limits).toEqual({ processes: 10 });
  });

  it('keeps the previous content when a writer dies in the middle of a write', async () => {
    const directory = join(scratch, 'crash');
    const target = join(directory, 'context');
    await writeGuestConfig(directory, {
      name: 'crash', xid: 77, nodename: 'crash', domainname: '', initStyle: 'plain', mark: '', interfaces: [],
      bcapabilities: [...SECURE_BCAPABILITIES].sort(), ccapabilities: [], cflags: [], limits: {}, rootDir: '/vservers/crash',
    });
    const script = join(scratch, 'slowWriter.mts');
    await writeFile(script, [
      `import { writeFileAtomic } from ${JSON.stringify(join(__dirname, '..', '..', 'host-agent', 'src', 'config', 'atomicFile'))};`,
      `await writeFileAtomic(${JSON.stringify(target)}, Buffer.alloc(1024 * 1024 * 1024, 0x41));`,
    ].join('\n'));
    const writer = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'ignore', cwd: join(__dirname, '..', '..') });
    let exited = false;
    writer.once('exit', () => {
      exited = true;
    });
    // Kill the writer once its temporary file is there and growing: the rename never happens.
    for (;;) {
      if (exited) throw new Error('the writer ended before it could be interrupted');
      const temporary = (await readdir(directory)).find((entry) => entry.startsWith('.context.tmp-'));
      if (temporary) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    writer.kill('SIGKILL');
    if (!exited) await new Promise((resolve) => writer.once('exit', resolve));
    expect(await readFile(target, 'utf8')).toBe('77\n');
    expect((await readGuestConfig(join(scratch), '/vservers', 'crash')).xid).toBe(77);
  });
});
