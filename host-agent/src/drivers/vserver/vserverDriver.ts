// The `vserver` driver: guests on a Linux-VServer kernel, driven through util-vserver's commands
// and /proc/virtual. Untested on a live VServer kernel (see README.md beside this file).
import type { CgroupVersion, GuestConfig, GuestLimits, GuestLimitUsage, GuestSample, GuestStatus, StatRow } from '../../../../shared/domain/guest';
import { ERROR_CODES } from '../../../../shared/protocol/envelope';
import { ioWeightToBlkioWeight } from '../../vserverFormats/ioWeight';
import { bytesToPages, DEFAULT_PAGE_SIZE, pagesToBytes } from '../../vserverFormats/pages';
import { parseContextInfo, parseContextStatus } from '../../vserverFormats/procVirtual/contextInfo';
import { limitRow, parseContextLimit, type ContextLimitRow } from '../../vserverFormats/procVirtual/contextLimit';
import { parseContextCvirt } from '../../vserverFormats/procVirtual/contextCvirt';
import { parseContextSched, totalCpuTicks } from '../../vserverFormats/procVirtual/contextSched';
import type { RlimitValue } from '../../vserverFormats/rlimitValue';
import { parseStatTable } from '../../../../shared/vserver/statTable';
import { parseVlimitAll } from '../../vserverFormats/vlimitOutput';
import { parseVserverStatus, VSERVER_UNKNOWN_GUEST_EXIT } from '../../vserverFormats/vserverStatus';
import type { Driver, ExecOptions, GuestProcess, UnameValues } from '../../driver';
import { guestError } from '../../errors/agentError';
import type { CommandResult, CommandRunner, HostFiles } from './hostAccess';
import {
  nattributeClearPersistentArgv, vattributeSetArgv, vlimitSetArgv, vlimitShowArgv, vschedArgv, vserverArgv,
  vserverExecArgv, vserverStatArgv, vunameSetArgv,
} from './vserverArgv';

export interface VserverDriverOptions {
  runner: CommandRunner;
  files: HostFiles;
  cgroupVersion: CgroupVersion;
  /** Bytes per page: VServer counts memory in pages. */
  pageSize?: number;
  /** Kernel ticks per second in /proc/virtual/<xid>/sched (the kernel's HZ). */
  ticksPerSecond?: number;
  /** Where util-vserver's per-subsystem cgroups live (its cgroup/mnt default on modern hosts). */
  cgroupRoot?: string;
}

const DEFAULT_TICKS_PER_SECOND = 100;

function microseconds(ticks: number, ticksPerSecond: number): number {
  return Math.round((ticks * 1_000_000) / ticksPerSecond);
}

function bytesOrUnset(value: RlimitValue | null | undefined, pageSize: number): number | undefined {
  return typeof value === 'number' ? pagesToBytes(value, pageSize) : undefined;
}

function pagesOrInfinite(bytes: number | undefined, pageSize: number): RlimitValue {
  return bytes === undefined ? 'inf' : bytesToPages(bytes, pageSize);
}

export function createVserverDriver(options: VserverDriverOptions): Driver {
  const { runner, files } = options;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const ticksPerSecond = options.ticksPerSecond ?? DEFAULT_TICKS_PER_SECOND;
  const cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';

  /** Runs a command for a guest; a failure becomes an error quoting util-vserver's own message. */
  async function runFor(config: GuestConfig, argv: string[]): Promise<CommandResult> {
    const result = await runner.run(argv);
    if (result.exitCode !== 0) {
      const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(0, 3).join(' ');
      throw guestError(ERROR_CODES.failed, config.name, `'${argv.join(' ')}' failed with exit code ${result.exitCode}${said ? `: ${said}` : ''}`);
    }
    return result;
  }

  async function readContextFile(xid: number, file: string): Promise<string | undefined> {
    return files.read(`/proc/virtual/${xid}/${file}`);
  }

  async function guestUptimeMs(xid: number, fallbackMs: number): Promise<number> {
    const [cvirt, uptime] = await Promise.all([readContextFile(xid, 'cvirt'), files.read('/proc/uptime')]);
    const hostUptimeSeconds = Number(uptime?.split(/\s+/)[0]);
    if (cvirt === undefined || !Number.isFinite(hostUptimeSeconds)) return fallbackMs;
    return Math.max(0, Math.round(hostUptimeSeconds * 1000) - parseContextCvirt(cvirt, xid).biasUptimeMs);
  }

  async function status(config: GuestConfig): Promise<GuestStatus> {
    const result = await runner.run(vserverArgv(config.name, 'status'));
    if (result.exitCode === VSERVER_UNKNOWN_GUEST_EXIT) {
      throw guestError(ERROR_CODES.notFound, config.name, `util-vserver has no configuration for it (${result.stderr.trim().split('\n')[0] ?? ''})`);
    }
    const report = parseVserverStatus(result.stdout, result.exitCode);
    if (report.state === 'stopped') return { name: config.name, xid: config.xid, state: 'stopped', processes: 0 };
    const info = await readContextFile(report.xid, 'info');
    const initPid = info === undefined ? 0 : parseContextInfo(info, report.xid).initPid;
    return {
      name: config.name,
      xid: report.xid,
      state: 'running',
      ...(initPid > 0 ? { initPid } : {}),
      processes: report.processes,
      uptimeMs: await guestUptimeMs(report.xid, report.uptimeMs),
    };
  }

  async function requireRunning(config: GuestConfig): Promise<GuestStatus> {
    const current = await status(config);
    if (current.state !== 'running') throw guestError(ERROR_CODES.notRunning, config.name, 'it is not running');
    return current;
  }

  async function readLimitRows(xid: number): Promise<ContextLimitRow[] | undefined> {
    const text = await readContextFile(xid, 'limit');
    return text === undefined ? undefined : parseContextLimit(text, xid);
  }

  async function cpuTicks(xid: number): Promise<{ usageUsec: number; heldUsec: number; fillRate?: number; interval?: number }> {
    const text = await readContextFile(xid, 'sched');
    if (text === undefined) return { usageUsec: 0, heldUsec: 0 };
    const sched = parseContextSched(text, xid);
    const ticks = totalCpuTicks(sched);
    return {
      usageUsec: microseconds(ticks.userTicks + ticks.sysTicks, ticksPerSecond),
      heldUsec: microseconds(ticks.holdTicks, ticksPerSecond),
      ...(sched.fillRate !== undefined && sched.interval !== undefined ? { fillRate: sched.fillRate, interval: sched.interval } : {}),
    };
  }

  return {
    name: 'vserver',
    cgroupVersion: options.cgroupVersion,
    status,
    // `vserver NAME status` answers state and init together: nothing cheaper to ask util-vserver.
    runState: status,

    async start(config) {
      await runFor(config, vserverArgv(config.name, 'start'));
      return status(config);
    },

    async stop(config) {
      await runFor(config, vserverArgv(config.name, 'stop'));
      return status(config);
    },

    freezes: false,
    async freeze(config) {
      throw guestError(ERROR_CODES.unsupported, config.name, 'util-vserver has no freezer; migrate it in stop mode');
    },
    async thaw(config) {
      throw guestError(ERROR_CODES.unsupported, config.name, 'util-vserver has no freezer');
    },

    async exec(config: GuestConfig, argv: string[], execOptions: ExecOptions = {}): Promise<GuestProcess> {
      if (execOptions.cwd !== undefined) {
        throw guestError(ERROR_CODES.unsupported, config.name, 'util-vserver runs commands from the guest\'s root directory; a working directory cannot be chosen');
      }
      await requireRunning(config);
      // `enter` runs the guest's configured shell through vlogin, which makes its own terminal.
      const command = argv.length === 0 && execOptions.tty ? vserverArgv(config.name, 'enter') : vserverExecArgv(config.name, argv, execOptions.env);
      return runner.spawn(command);
    },

    async applyLimits(config: GuestConfig, limits: GuestLimits, known?: GuestStatus) {
      const { xid } = known ?? await requireRunning(config);
      await runFor(config, vlimitSetArgv(xid, {
        rssHard: pagesOrInfinite(limits.memoryHard, pageSize),
        rssSoft: pagesOrInfinite(limits.memorySoft, pageSize),
        nprocHard: limits.processes ?? 'inf',
      }));
      if (limits.cpuFillRate !== undefined && limits.cpuInterval !== undefined) {
        await runFor(config, vschedArgv(xid, { fillRate: limits.cpuFillRate, interval: limits.cpuInterval }));
        await runFor(config, vattributeSetArgv(xid, { flags: ['sched_hard'] }));
      } else {
        await runFor(config, vattributeSetArgv(xid, { flags: ['~sched_hard'] }));
      }
      // util-vserver's own cgroup support names the group after the guest, one tree per subsystem.
      if (limits.cpuSet !== undefined) await files.write(`${cgroupRoot}/cpuset/${config.name}/cpuset.cpus`, `${limits.cpuSet}\n`);
      if (limits.ioWeight !== undefined) await files.write(`${cgroupRoot}/blkio/${config.name}/blkio.weight`, `${ioWeightToBlkioWeight(limits.ioWeight)}\n`);
    },

    async readLimits(config, known): Promise<GuestLimitUsage> {
      const { xid } = known ?? await requireRunning(config);
      const entries = parseVlimitAll((await runFor(config, vlimitShowArgv(xid))).stdout);
      const rows = (await readLimitRows(xid)) ?? [];
      const cpu = await cpuTicks(xid);
      const rssLimit = entries.find((entry) => entry.resource === 'rss');
      const nprocLimit = entries.find((entry) => entry.resource === 'nproc');
      const cpuSet = (await files.read(`${cgroupRoot}/cpuset/${config.name}/cpuset.cpus`))?.trim();
      const rss = limitRow(rows, 'RSS');
      const proc = limitRow(rows, 'PROC');
      const memoryHard = bytesOrUnset(rssLimit?.hard, pageSize);
      const memorySoft = bytesOrUnset(rssLimit?.soft, pageSize);
      const processes = typeof nprocLimit?.hard === 'number' ? nprocLimit.hard : undefined;
      return {
        limits: {
          ...(memoryHard === undefined ? {} : { memoryHard }),
          ...(memorySoft === undefined ? {} : { memorySoft }),
          ...(processes === undefined ? {} : { processes }),
          ...(cpu.fillRate === undefined ? {} : { cpuFillRate: cpu.fillRate, cpuInterval: cpu.interval }),
          ...(cpuSet ? { cpuSet } : {}),
        },
        memoryCurrent: pagesToBytes(rss?.current ?? 0, pageSize),
        memoryPeak: pagesToBytes(rss?.maximum ?? 0, pageSize),
        memoryHits: rss?.hits ?? 0,
        // VServer kernels keep no per-context OOM-kill counter; RSS hits are their closest figure.
        oomKills: 0,
        processesCurrent: proc?.current ?? 0,
        processesHits: proc?.hits ?? 0,
        cpuUsageUsec: cpu.usageUsec,
        throttledUsec: cpu.heldUsec,
      };
    },

    async setUname(config: GuestConfig, values: UnameValues) {
      const { xid } = await requireRunning(config);
      await runFor(config, vunameSetArgv(xid, values));
    },

    async stat(configs): Promise<StatRow[]> {
      const result = await runner.run(vserverStatArgv());
      if (result.exitCode !== 0) throw new Error(`vserver-stat failed with exit code ${result.exitCode}: ${result.stderr.trim()}`);
      const nameOfXid = new Map(configs.map((config) => [config.xid, config.name]));
      // vserver-stat cuts names at 20 characters; the configuration has them whole.
      return parseStatTable(result.stdout).map((row) => ({ ...row, name: nameOfXid.get(row.xid) ?? row.name }));
    },

    async sample(configs): Promise<GuestSample[]> {
      const contexts = new Set(((await files.list('/proc/virtual')) ?? []).filter((entry) => /^\d+$/.test(entry)).map(Number));
      return Promise.all(configs.map(async (config): Promise<GuestSample> => {
        const stopped: GuestSample = { name: config.name, xid: config.xid, state: 'stopped', cpuUsageUsec: 0, rssBytes: 0, processes: 0, memoryHits: 0, processesHits: 0, oomKills: 0 };
        if (!contexts.has(config.xid)) return stopped;
        const statusText = await readContextFile(config.xid, 'status');
        const tasks = statusText === undefined ? 0 : parseContextStatus(statusText, config.xid).tasks;
        if (tasks === 0) return stopped;
        const rows = (await readLimitRows(config.xid)) ?? [];
        const cpu = await cpuTicks(config.xid);
        return {
          ...stopped,
          state: 'running',
          cpuUsageUsec: cpu.usageUsec,
          rssBytes: pagesToBytes(limitRow(rows, 'RSS')?.current ?? 0, pageSize),
          processes: tasks,
          memoryHits: limitRow(rows, 'RSS')?.hits ?? 0,
          processesHits: limitRow(rows, 'PROC')?.hits ?? 0,
        };
      }));
    },

    async cleanup(config) {
      const statusText = await readContextFile(config.xid, 'status');
      if (statusText === undefined) return;
      if (parseContextStatus(statusText, config.xid).tasks > 0) {
        throw guestError(ERROR_CODES.running, config.name, `context ${config.xid} still has processes; stop the guest first`);
      }
      // A context kept alive by its persistent flag disappears once the flag is cleared.
      await runFor(config, vattributeSetArgv(config.xid, { flags: ['~persistent'] }));
      await runFor(config, nattributeClearPersistentArgv(config.xid));
    },
  };
}
