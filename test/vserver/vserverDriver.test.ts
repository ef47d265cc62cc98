import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestConfig } from '../../shared/domain/guest';
import { hostFilesUnder, spawnCommandRunner, type CommandResult, type CommandRunner } from '../../host-agent/src/drivers/vserver/hostAccess';
import { createVserverDriver } from '../../host-agent/src/drivers/vserver/vserverDriver';
import {
  vattributeSetArgv, vlimitSetArgv, vlimitShowArgv, vschedArgv, vserverArgv, vserverExecArgv,
  vserverStatArgv, vunameSetArgv, nattributeClearPersistentArgv,
} from '../../host-agent/src/drivers/vserver/vserverArgv';
import { FIXTURES, fixture } from './fixtures';

function guest(name: string, xid: number): GuestConfig {
  return {
    name, xid, nodename: name, domainname: '', interfaces: [], initStyle: 'plain', mark: '', bcapabilities: [],
    ccapabilities: [], cflags: [], limits: {}, rootDir: `/vservers/${name}`,
  };
}

/** Replays recorded util-vserver outputs by argv and remembers every command line it was given. */
function replayRunner(recordings: Record<string, CommandResult>): CommandRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async run(argv) {
      calls.push([...argv]);
      return recordings[argv.join(' ')] ?? { exitCode: 127, stdout: '', stderr: `no recording for ${argv.join(' ')}` };
    },
    spawn(argv) {
      calls.push([...argv]);
      return spawnCommandRunner.spawn(['echo', ...argv]);
    },
  };
}

const ok = (stdout: string): CommandResult => ({ exitCode: 0, stdout, stderr: '' });

let hostRoot: string;

beforeAll(() => {
  hostRoot = mkdtempSync(path.join(tmpdir(), 'vfleet-vserver-driver-'));
  // A recorded vs2.3 host: /proc/virtual with guest 40001 and the host's /proc/uptime.
  cpSync(path.join(FIXTURES, 'proc-virtual-vs2.3'), path.join(hostRoot, 'proc', 'virtual'), { recursive: true });
  cpSync(path.join(hostRoot, 'proc', 'virtual', 'uptime'), path.join(hostRoot, 'proc', 'uptime'));
  mkdirSync(path.join(hostRoot, 'sys', 'fs', 'cgroup', 'cpuset', 'web1'), { recursive: true });
  mkdirSync(path.join(hostRoot, 'sys', 'fs', 'cgroup', 'blkio', 'web1'), { recursive: true });
});

afterAll(() => {
  rmSync(hostRoot, { recursive: true, force: true });
});

function driverWith(recordings: Record<string, CommandResult>) {
  const runner = replayRunner(recordings);
  const driver = createVserverDriver({ runner, files: hostFilesUnder(hostRoot), cgroupVersion: 1, cgroupRoot: '/sys/fs/cgroup' });
  return { driver, runner };
}

const RUNNING_WEB1 = { 'vserver web1 status': ok(fixture('commands/vserver-status.running-days.txt')) };

describe('util-vserver command lines', () => {
  it('are exact argv arrays for every operation', () => {
    expect(vserverArgv('web1', 'start')).toEqual(['vserver', 'web1', 'start']);
    expect(vserverArgv('web1', 'stop')).toEqual(['vserver', 'web1', 'stop']);
    expect(vserverArgv('web1', 'enter')).toEqual(['vserver', 'web1', 'enter']);
    expect(vserverExecArgv('web1', ['ls', '-l', '/; rm -rf /'], { LANG: 'C' })).toEqual(['vserver', 'web1', 'exec', 'env', 'LANG=C', 'ls', '-l', '/; rm -rf /']);
    expect(vserverStatArgv()).toEqual(['vserver-stat']);
    expect(vlimitShowArgv(40001)).toEqual(['vlimit', '--xid', '40001', '-a', '-d']);
    expect(vlimitSetArgv(40001, { rssHard: 65536, rssSoft: 49152, nprocHard: 'inf' })).toEqual(['vlimit', '--xid', '40001', '--rss', '65536', '-S', '--rss', '49152', '--nproc', 'inf']);
    expect(vlimitSetArgv(40001, { rssHard: 1000 })).toEqual(['vlimit', '--xid', '40001', '--rss', '1000']);
    expect(vschedArgv(40001, { fillRate: 1, interval: 4 })).toEqual(['vsched', '--xid', '40001', '--fill-rate', '1', '--interval', '4']);
    expect(vattributeSetArgv(42, { bcaps: ['CAP_NET_RAW'], ccaps: ['~set_rlimit'], flags: ['virt_mem'] })).toEqual(['vattribute', '--xid', '42', '--set', '--bcap', 'CAP_NET_RAW', '--ccap', '~set_rlimit', '--flag', 'virt_mem']);
    expect(nattributeClearPersistentArgv(42)).toEqual(['nattribute', '--nid', '42', '--set', '--flag', '~persistent']);
    expect(vunameSetArgv(42, { nodename: 'web1', domainname: 'example.org' })).toEqual(['vuname', '-s', '--xid', '42', '-t', 'NODENAME=web1', '-t', 'DOMAINNAME=example.org']);
  });
});

describe('vserver driver on recorded outputs', () => {
  it('detects a running guest and takes init pid and exact uptime from /proc/virtual', async () => {
    const { driver } = driverWith(RUNNING_WEB1);
    // Host uptime 86414.37 s minus the context's BiasUptime 86014.37 s.
    expect(await driver.status(guest('web1', 40001))).toEqual({ name: 'web1', xid: 40001, state: 'running', initPid: 2417, processes: 7, uptimeMs: 400_000 });
  });

  it('detects a stopped guest from exit code 3', async () => {
    const { driver } = driverWith({ 'vserver web2 status': { exitCode: 3, stdout: fixture('commands/vserver-status.stopped.txt'), stderr: '' } });
    expect(await driver.status(guest('web2', 40002))).toEqual({ name: 'web2', xid: 40002, state: 'stopped', processes: 0 });
  });

  it('reports an unknown guest by name', async () => {
    const { driver } = driverWith({ 'vserver ghost status': { exitCode: 5, stdout: '', stderr: "Can not find a vserver-setup at '/etc/vservers/ghost/'.\n" } });
    await expect(driver.status(guest('ghost', 40009))).rejects.toThrow(/guest 'ghost' on host .*no configuration.*Can not find a vserver-setup/);
  });

  it('starts through `vserver NAME start` and answers with the new status', async () => {
    const { driver, runner } = driverWith({ 'vserver web1 start': ok(''), ...RUNNING_WEB1 });
    expect((await driver.start(guest('web1', 40001))).state).toBe('running');
    expect(runner.calls).toEqual([['vserver', 'web1', 'start'], ['vserver', 'web1', 'status']]);
  });

  it('quotes util-vserver when a start fails', async () => {
    const { driver } = driverWith({ 'vserver web1 start': { exitCode: 1, stdout: '', stderr: "vcontext: vc_ctx_create(): Device or resource busy\n" } });
    await expect(driver.start(guest('web1', 40001))).rejects.toThrow("guest 'web1'");
    await expect(driver.start(guest('web1', 40001))).rejects.toThrow(/vserver web1 start' failed with exit code 1: vcontext: vc_ctx_create\(\): Device or resource busy/);
  });

  it('applies memory, process and CPU limits live and writes the cgroup files util-vserver uses', async () => {
    const recordings = {
      ...RUNNING_WEB1,
      'vlimit --xid 40001 --rss 65536 -S --rss 49152 --nproc 300': ok(''),
      'vsched --xid 40001 --fill-rate 1 --interval 4': ok(''),
      'vattribute --xid 40001 --set --flag sched_hard': ok(''),
    };
    const { driver, runner } = driverWith(recordings);
    await driver.applyLimits(guest('web1', 40001), { memoryHard: 256 * 1024 * 1024, memorySoft: 192 * 1024 * 1024, processes: 300, cpuFillRate: 1, cpuInterval: 4, cpuSet: '0-1', ioWeight: 200 });
    expect(runner.calls.slice(1)).toEqual([
      ['vlimit', '--xid', '40001', '--rss', '65536', '-S', '--rss', '49152', '--nproc', '300'],
      ['vsched', '--xid', '40001', '--fill-rate', '1', '--interval', '4'],
      ['vattribute', '--xid', '40001', '--set', '--flag', 'sched_hard'],
    ]);
    expect(readFileSync(path.join(hostRoot, 'sys/fs/cgroup/cpuset/web1/cpuset.cpus'), 'utf8')).toBe('0-1\n');
    expect(readFileSync(path.join(hostRoot, 'sys/fs/cgroup/blkio/web1/blkio.weight'), 'utf8')).toBe('1000\n');
  });

  it('lifts limits that are not set and the CPU bucket when none is given', async () => {
    const { driver, runner } = driverWith({
      ...RUNNING_WEB1,
      'vlimit --xid 40001 --rss inf -S --rss inf --nproc inf': ok(''),
      'vattribute --xid 40001 --set --flag ~sched_hard': ok(''),
    });
    await driver.applyLimits(guest('web1', 40001), {});
    expect(runner.calls.slice(1)).toEqual([
      ['vlimit', '--xid', '40001', '--rss', 'inf', '-S', '--rss', 'inf', '--nproc', 'inf'],
      ['vattribute', '--xid', '40001', '--set', '--flag', '~sched_hard'],
    ]);
  });

  it('reads limits back with usage, peak and hits from vlimit and /proc/virtual', async () => {
    const { driver } = driverWith({ ...RUNNING_WEB1, 'vlimit --xid 40001 -a -d': ok(fixture('commands/vlimit-a-d.40001.txt')) });
    const usage = await driver.readLimits(guest('web1', 40001));
    expect(usage).toEqual({
      limits: { memoryHard: 65536 * 4096, memorySoft: 49152 * 4096, processes: 300, cpuSet: '0-1' },
      memoryCurrent: 3117 * 4096,
      memoryPeak: 4890 * 4096,
      memoryHits: 3,
      oomKills: 0,
      processesCurrent: 7,
      processesHits: 0,
      cpuUsageUsec: (15220 + 4087) * 10_000,
      throttledUsec: 0,
    });
  });

  it('sets nodename and domainname with vuname', async () => {
    const { driver, runner } = driverWith({ ...RUNNING_WEB1, 'vuname -s --xid 40001 -t NODENAME=www -t DOMAINNAME=example.org': ok('') });
    await driver.setUname(guest('web1', 40001), { nodename: 'www', domainname: 'example.org' });
    expect(runner.calls.at(-1)).toEqual(['vuname', '-s', '--xid', '40001', '-t', 'NODENAME=www', '-t', 'DOMAINNAME=example.org']);
  });

  it('turns vserver-stat output into rows with the full configured names', async () => {
    const { driver } = driverWith({ 'vserver-stat': ok(fixture('vserver-stat.dm.txt')) });
    const rows = await driver.stat([guest('deb-vserv1-with-a-long-name', 49159)]);
    expect(rows.map((row) => [row.xid, row.processes, row.name])).toEqual([[0, 71, 'root server'], [49159, 2, 'deb-vserv1-with-a-long-name'], [49163, 2, 'deb-vserv2']]);
  });

  it('samples all guests from /proc/virtual without running a command per guest', async () => {
    const { driver, runner } = driverWith({});
    const samples = await driver.sample([guest('web1', 40001), guest('web2', 40002)]);
    expect(samples).toEqual([
      { name: 'web1', xid: 40001, state: 'running', cpuUsageUsec: 193_070_000, rssBytes: 3117 * 4096, processes: 7, memoryHits: 3, processesHits: 0, oomKills: 0 },
      { name: 'web2', xid: 40002, state: 'stopped', cpuUsageUsec: 0, rssBytes: 0, processes: 0, memoryHits: 0, processesHits: 0, oomKills: 0 },
    ]);
    expect(runner.calls).toEqual([]);
  });

  it('runs commands in the guest through `vserver NAME exec` with argv passed unchanged', async () => {
    const { driver, runner } = driverWith(RUNNING_WEB1);
    const child = await driver.exec(guest('web1', 40001), ['sh', '-c', 'echo $HOME; id'], { env: { TERM: 'dumb' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    expect(await child.exited).toBe(0);
    expect(runner.calls.at(-1)).toEqual(['vserver', 'web1', 'exec', 'env', 'TERM=dumb', 'sh', '-c', 'echo $HOME; id']);
    expect(output).toBe('vserver web1 exec env TERM=dumb sh -c echo $HOME; id\n');
    await expect(driver.exec(guest('web1', 40001), ['ls'], { cwd: '/tmp' })).rejects.toThrow(/working directory/);
  });

  it('refuses exec on a stopped guest and cleanup of a context that still has processes', async () => {
    const { driver } = driverWith({ 'vserver web2 status': { exitCode: 3, stdout: fixture('commands/vserver-status.stopped.txt'), stderr: '' } });
    await expect(driver.exec(guest('web2', 40002), ['true'])).rejects.toThrow("guest 'web2'");
    await expect(driver.cleanup(guest('web1', 40001))).rejects.toThrow(/context 40001 still has processes/);
  });
});
