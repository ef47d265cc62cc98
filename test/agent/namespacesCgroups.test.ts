// The namespaces driver's cgroup layer: v2 placement, freeze and kill for real on this machine's
// controller-less /sys/fs/cgroup/unified, v1 controllers for real below this process's own
// cgroups, v2 controller files against a recorded tree, and the layout read from recorded
// /proc/self/mountinfo and /proc/self/cgroup of the host kinds vfleet meets.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cgroupLayoutFrom, detectCgroupLayout, parseCgroupMounts } from '../../host-agent/src/drivers/namespaces/cgroups/cgroupLayout';
import { cgroupV2Driver } from '../../host-agent/src/drivers/namespaces/cgroups/cgroupV2Driver';
import { selectCgroupDriver } from '../../host-agent/src/drivers/namespaces/cgroups/selectCgroupDriver';
import { blkioWeight, cpuMaxValue, cpuQuotaUsec } from '../../host-agent/src/drivers/namespaces/cgroups/limitValues';

const SUBTREE = `vfleet-nstest-${process.pid}`;
const children: ChildProcess[] = [];
const madeDirectories: string[] = [];

function startChild(script: string): ChildProcess {
  const child = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'] });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (_, signal) => resolve(signal)));
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  for (const directory of madeDirectories.reverse()) if (existsSync(directory)) rmdirSync(directory);
});

describe('cgroup v2 for real on /sys/fs/cgroup/unified (no controllers there)', () => {
  const base = join('/sys/fs/cgroup/unified', SUBTREE);
  const cgroups = cgroupV2Driver(base);

  it('places processes, freezes and thaws them, kills them all and removes the cgroup', async () => {
    await cgroups.create('guest');
    madeDirectories.push(base, join(base, 'guest'));
    const busy = startChild('while :; do :; done');
    const idle = startChild('exec sleep 300');
    await cgroups.place('guest', busy.pid as number);
    await cgroups.place('guest', idle.pid as number);
    expect((await cgroups.pids('guest')).sort()).toEqual([busy.pid, idle.pid].sort());
    expect(readFileSync(`/proc/${busy.pid}/cgroup`, 'utf8')).toContain(`0::/${SUBTREE}/guest`);

    await cgroups.freeze('guest');
    expect(readFileSync(join(base, 'guest', 'cgroup.events'), 'utf8')).toContain('frozen 1');
    const frozenAt = cpuTicks(busy.pid as number);
    await sleep(400);
    expect(cpuTicks(busy.pid as number)).toBe(frozenAt);
    await cgroups.thaw('guest');
    await sleep(400);
    expect(cpuTicks(busy.pid as number)).toBeGreaterThan(frozenAt);

    await cgroups.killAll('guest');
    expect(await Promise.all([exited(busy), exited(idle)])).toEqual(['SIGKILL', 'SIGKILL']);
    expect(await cgroups.pids('guest')).toEqual([]);
    await cgroups.remove('guest');
    expect(existsSync(join(base, 'guest'))).toBe(false);
  });
});

describe('v1 controllers for real below this process\'s own cgroups, v2 for placement', () => {
  it('limits memory, processes and CPU, counts usage, and kills through v2', async () => {
    const layout = await detectCgroupLayout();
    const cgroups = selectCgroupDriver(layout, { anchor: 'self', subtree: SUBTREE });
    expect(cgroups.version).toBe(1);
    await cgroups.create('hybrid');
    for (const hierarchy of layout.v1) {
      if (hierarchy.controllers.some((controller) => ['memory', 'pids', 'cpu', 'cpuacct', 'cpuset', 'blkio'].includes(controller))) {
        madeDirectories.push(join(hierarchy.ownDirectory, SUBTREE), join(hierarchy.ownDirectory, SUBTREE, 'hybrid'));
      }
    }
    madeDirectories.push(join('/sys/fs/cgroup/unified', SUBTREE, 'hybrid'));
    await cgroups.applyLimits('hybrid', { memoryHard: 64 * 1024 * 1024, memorySoft: 32 * 1024 * 1024, processes: 20, cpuFillRate: 1, cpuInterval: 4 });
    const memory = layout.v1.find((hierarchy) => hierarchy.controllers.includes('memory'));
    expect(readFileSync(join(memory?.ownDirectory ?? '', SUBTREE, 'hybrid', 'memory.limit_in_bytes'), 'utf8').trim()).toBe(String(64 * 1024 * 1024));
    expect(readFileSync(join(memory?.ownDirectory ?? '', SUBTREE, 'hybrid', 'memory.soft_limit_in_bytes'), 'utf8').trim()).toBe(String(32 * 1024 * 1024));
    const cpu = layout.v1.find((hierarchy) => hierarchy.controllers.includes('cpu'));
    expect(readFileSync(join(cpu?.ownDirectory ?? '', SUBTREE, 'hybrid', 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('25000');
    expect(readFileSync(join(cpu?.ownDirectory ?? '', SUBTREE, 'hybrid', 'cpu.cfs_period_us'), 'utf8').trim()).toBe('100000');
    const pids = layout.v1.find((hierarchy) => hierarchy.controllers.includes('pids'));
    expect(readFileSync(join(pids?.ownDirectory ?? '', SUBTREE, 'hybrid', 'pids.max'), 'utf8').trim()).toBe('20');

    // Memory is charged to the cgroup a page is touched in, so the child allocates after joining.
    const busy = startChild('read _; filler=$(head -c 4000000 /dev/zero | tr "\\0" a); while :; do :; done');
    await cgroups.place('hybrid', busy.pid as number);
    busy.stdin?.end('go\n');
    await sleep(700);
    const usage = await cgroups.readUsage('hybrid');
    // A stat row's CPU times are v1 cpuacct.stat's, as readUsage reads them (USER_HZ ticks: whole 10 ms steps).
    const times = await cgroups.readCpuTimes('hybrid');
    expect(times.cpuUserUsec + times.cpuSystemUsec).toBeGreaterThanOrEqual(usage.cpuUserUsec + usage.cpuSystemUsec);
    expect(times.cpuUserUsec % 10_000).toBe(0);
    expect(times.cpuUserUsec + times.cpuSystemUsec).toBeGreaterThan(0);
    expect(usage.processesCurrent).toBe(1);
    expect(usage.memoryCurrent).toBeGreaterThan(0);
    expect(usage.cpuUsageUsec).toBeGreaterThan(0);
    expect(usage.cpuUsageUsec).toBeLessThan(500_000);

    await cgroups.killAll('hybrid');
    expect(await exited(busy)).toBe('SIGKILL');
    await cgroups.remove('hybrid');
    expect(await cgroups.exists('hybrid')).toBe(false);
  });
});

describe('cgroup v2 controller files against a recorded tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'vfleet-v2-tree-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const base = join(root, 'vfleet');
  const guest = join(base, 'web');
  const recorded: Record<string, string> = {
    'cgroup.controllers': 'cpuset cpu io memory pids\n',
    'memory.max': 'max\n', 'memory.high': 'max\n', 'pids.max': 'max\n', 'cpu.max': 'max 100000\n', 'cpuset.cpus': '\n', 'io.weight': 'default 100\n',
    'memory.current': '7340032\n', 'memory.peak': '9437184\n',
    'memory.events': 'low 0\nhigh 4\nmax 17\noom 2\noom_kill 2\noom_group_kill 0\n',
    'pids.current': '5\n', 'pids.events': 'max 3\n',
    'cpu.stat': 'usage_usec 1520000\nuser_usec 1200000\nsystem_usec 320000\nnr_periods 40\nnr_throttled 12\nthrottled_usec 830000\n',
  };
  mkdirSync(guest, { recursive: true });
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  writeFileSync(join(root, 'cgroup.subtree_control'), 'cpu\n');
  writeFileSync(join(base, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  writeFileSync(join(base, 'cgroup.subtree_control'), '\n');
  for (const [file, content] of Object.entries(recorded)) writeFileSync(join(guest, file), content);
  const cgroups = cgroupV2Driver(base);

  it('enables the controllers for the vfleet folder and in it, and writes every limit file', async () => {
    await cgroups.create('web');
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+cpuset +io +memory +pids');
    expect(readFileSync(join(base, 'cgroup.subtree_control'), 'utf8')).toBe('+cpuset +cpu +io +memory +pids');
    await cgroups.applyLimits('web', { memoryHard: 268_435_456, memorySoft: 209_715_200, processes: 50, cpuFillRate: 1, cpuInterval: 4, cpuSet: '0-1', ioWeight: 300 });
    const read = (file: string): string => readFileSync(join(guest, file), 'utf8');
    expect([read('memory.max'), read('memory.high'), read('pids.max'), read('cpu.max'), read('cpuset.cpus'), read('io.weight')])
      .toEqual(['268435456', '209715200', '50', '25000 100000', '0-1', 'default 300']);
    await cgroups.applyLimits('web', {});
    expect([read('memory.max'), read('memory.high'), read('pids.max'), read('cpu.max')]).toEqual(['max', 'max', 'max', 'max 100000']);
  });

  it('reads usage, peak and hit counts from the recorded files', async () => {
    expect(await cgroups.readUsage('web')).toEqual({
      memoryCurrent: 7_340_032, memoryPeak: 9_437_184, memoryHits: 17, oomKills: 2, processesCurrent: 5, processesHits: 3,
      cpuUsageUsec: 1_520_000, cpuUserUsec: 1_200_000, cpuSystemUsec: 320_000, throttledUsec: 830_000,
    });
  });

  it('reads a stat row\'s CPU times from cpu.stat alone, and zeros for a guest without a cgroup', async () => {
    expect(await cgroups.readCpuTimes('web')).toEqual({ cpuUserUsec: 1_200_000, cpuSystemUsec: 320_000 });
    expect(await cgroups.readCpuTimes('absent')).toEqual({ cpuUserUsec: 0, cpuSystemUsec: 0 });
  });

  it('refuses a limit whose controller the hierarchy does not offer, naming it', async () => {
    writeFileSync(join(guest, 'cgroup.controllers'), 'memory pids\n');
    await expect(cgroups.applyLimits('web', { cpuFillRate: 1, cpuInterval: 2 })).rejects.toThrow(/cpu controller is not available/);
  });
});

describe('layout from recorded /proc/self/mountinfo and /proc/self/cgroup', () => {
  const hybridMountinfo = [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n');

  it('finds v1 controllers and the v2 hierarchy, and this process\'s own cgroup in each (this build machine)', () => {
    const layout = cgroupLayoutFrom(hybridMountinfo, '9:name=systemd:/\n4:memory:/process_api/4e72\n1:cpu:/\n0::/\n');
    expect(layout.v1.map((hierarchy) => [hierarchy.controllers, hierarchy.ownDirectory])).toEqual([
      [['cpu'], '/sys/fs/cgroup/cpu'],
      [['memory'], '/sys/fs/cgroup/memory/process_api/4e72'],
    ]);
    expect(layout.v2).toMatchObject({ mountPoint: '/sys/fs/cgroup/unified', ownDirectory: '/sys/fs/cgroup/unified' });
    const cgroups = selectCgroupDriver(layout, { anchor: 'root', subtree: 'vfleet' });
    expect([cgroups.version, cgroups.procsFiles('web')]).toEqual([1, [
      '/sys/fs/cgroup/unified/vfleet/web/cgroup.procs', '/sys/fs/cgroup/cpu/vfleet/web/cgroup.procs', '/sys/fs/cgroup/memory/vfleet/web/cgroup.procs',
    ]]);
  });

  it('uses pure v2 on a systemd host with controllers, under the hierarchy root rather than the SSH session', () => {
    const layout = cgroupLayoutFrom('30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot',
      '0::/user.slice/user-0.slice/session-3.scope\n', ['cpuset', 'cpu', 'io', 'memory', 'pids']);
    const cgroups = selectCgroupDriver(layout, { anchor: 'root', subtree: 'vfleet' });
    expect([cgroups.version, cgroups.procsFiles('web')]).toEqual([2, ['/sys/fs/cgroup/vfleet/web/cgroup.procs']]);
    expect(layout.v2?.ownDirectory).toBe('/sys/fs/cgroup/user.slice/user-0.slice/session-3.scope');
  });

  it('reads a cgroup namespace (a lab host, a container) whose mount root is a subtree', () => {
    const mounts = parseCgroupMounts('208 207 0:29 /lab/lab-1 /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu,cpuacct\n217 207 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw');
    expect(mounts.map((mount) => [mount.version, mount.mountRoot, mount.controllers])).toEqual([[1, '/lab/lab-1', ['cpu', 'cpuacct']], [2, '/', []]]);
    const layout = cgroupLayoutFrom('208 207 0:29 /lab/lab-1 /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu,cpuacct', '1:cpu,cpuacct:/lab/lab-1/init\n');
    expect(layout.v1[0]?.ownDirectory).toBe('/sys/fs/cgroup/cpu/init');
  });
});

describe('limit values', () => {
  it('turns a token bucket into a CFS quota per 100 ms period, and IO weights into blkio weights', () => {
    expect(cpuQuotaUsec({ cpuFillRate: 1, cpuInterval: 4 })).toBe(25_000);
    expect(cpuQuotaUsec({ cpuFillRate: 3, cpuInterval: 2 })).toBe(150_000);
    expect(cpuQuotaUsec({ cpuFillRate: 1 })).toBeUndefined();
    expect(cpuMaxValue({})).toBe('max 100000');
    expect([blkioWeight(100), blkioWeight(1), blkioWeight(10_000)]).toEqual([500, 10, 1000]);
  });
});
