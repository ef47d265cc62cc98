// A guest's cgroups on v1 hierarchies: one directory <base>/<guest> per mounted hierarchy
// (memory, pids, cpu, cpuacct, cpuset, blkio, freezer, ...). Each controller has its own files.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { GuestLimits } from '../../../../../shared/domain/guest';
import {
  directoryExists, directoryPerGuest, readControl, readKeyValues, readNumber, readPids, removeCgroupDirectory, writeControl,
} from './cgroupFiles';
import { EMPTY_USAGE, type CgroupUsage, type CpuTimes, type GuestCgroups } from './guestCgroups';
import { CPU_PERIOD_USEC, blkioWeight, cpuQuotaUsec, v1Bytes } from './limitValues';
import { signalIgnoringGone } from '../runtime/signalProcess';

/** A v1 hierarchy vfleet uses: its controllers and the vfleet base directory in it. */
export interface V1Hierarchy {
  controllers: string[];
  base: string;
}

const USER_HZ = 100;
const FREEZE_TIMEOUT_MS = 5000;

export function cgroupV1Driver(hierarchies: V1Hierarchy[]): GuestCgroups {
  const everyDirectoryOf = directoryPerGuest((guest) => hierarchies.map((hierarchy) => join(hierarchy.base, guest)));
  const perController = new Map<string, (guest: string) => string | undefined>();
  const directoryFor = (controller: string, guest: string): string | undefined => {
    let directoryOf = perController.get(controller);
    if (!directoryOf) {
      const hierarchy = hierarchies.find((candidate) => candidate.controllers.includes(controller));
      perController.set(controller, directoryOf = directoryPerGuest((name) => hierarchy ? join(hierarchy.base, name) : undefined));
    }
    return directoryOf(guest);
  };
  const need = (controller: string, guest: string, what: string): string => {
    const directory = directoryFor(controller, guest);
    if (!directory) throw new Error(`the cgroup v1 ${controller} controller is not mounted, so ${what} cannot be limited`);
    return directory;
  };

  /** A new cpuset cgroup starts empty and refuses tasks until cpus and mems are copied from its parent. */
  async function inheritCpuset(directory: string, parent: string): Promise<void> {
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (((await readControl(directory, file)) ?? '') === '') await writeControl(directory, file, (await readControl(parent, file)) ?? '');
    }
  }

  async function setFreezer(guest: string, state: 'FROZEN' | 'THAWED'): Promise<void> {
    const directory = directoryFor('freezer', guest);
    if (!directory) throw new Error('the cgroup v1 freezer controller is not mounted');
    await writeControl(directory, 'freezer.state', state);
    const deadline = Date.now() + FREEZE_TIMEOUT_MS;
    while ((await readControl(directory, 'freezer.state')) !== state) {
      if (Date.now() > deadline) throw new Error(`${directory} did not become ${state} within ${FREEZE_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** cpuacct.stat counts USER_HZ ticks; a missing controller or cgroup reads as no file: zeros. */
  async function cpuTimes(guest: string): Promise<CpuTimes> {
    const cpuacct = directoryFor('cpuacct', guest);
    const ticks = cpuacct ? await readKeyValues(cpuacct, 'cpuacct.stat') : new Map<string, number>();
    return { cpuUserUsec: ((ticks.get('user') ?? 0) * 1_000_000) / USER_HZ, cpuSystemUsec: ((ticks.get('system') ?? 0) * 1_000_000) / USER_HZ };
  }

  async function allPids(guest: string): Promise<number[]> {
    const found = new Set<number>();
    for (const directory of everyDirectoryOf(guest)) for (const pid of await readPids(directory)) found.add(pid);
    return [...found];
  }

  return {
    version: 1,
    async create(guest) {
      for (const hierarchy of hierarchies) {
        await fs.mkdir(join(hierarchy.base, guest), { recursive: true });
        if (hierarchy.controllers.includes('cpuset')) {
          await inheritCpuset(hierarchy.base, join(hierarchy.base, '..'));
          await inheritCpuset(join(hierarchy.base, guest), hierarchy.base);
        }
      }
    },
    procsFiles: (guest) => hierarchies.map((hierarchy) => join(hierarchy.base, guest, 'cgroup.procs')),
    async place(guest, pid) {
      for (const hierarchy of hierarchies) await writeControl(join(hierarchy.base, guest), 'cgroup.procs', String(pid));
    },
    pids: allPids,
    async exists(guest) {
      for (const hierarchy of hierarchies) if (await directoryExists(join(hierarchy.base, guest))) return true;
      return false;
    },
    async applyLimits(guest, limits: GuestLimits) {
      const memory = directoryFor('memory', guest);
      if (memory || limits.memoryHard !== undefined || limits.memorySoft !== undefined) {
        const directory = need('memory', guest, 'memory');
        await writeControl(directory, 'memory.limit_in_bytes', v1Bytes(limits.memoryHard));
        await writeControl(directory, 'memory.soft_limit_in_bytes', v1Bytes(limits.memorySoft));
      }
      const pids = directoryFor('pids', guest);
      if (pids || limits.processes !== undefined) {
        await writeControl(need('pids', guest, 'the process count'), 'pids.max', limits.processes === undefined ? 'max' : String(limits.processes));
      }
      const cpu = directoryFor('cpu', guest);
      if (cpu || limits.cpuFillRate !== undefined) {
        const directory = need('cpu', guest, 'CPU time');
        await writeControl(directory, 'cpu.cfs_period_us', String(CPU_PERIOD_USEC));
        await writeControl(directory, 'cpu.cfs_quota_us', String(cpuQuotaUsec(limits) ?? -1));
      }
      if (limits.cpuSet !== undefined) await writeControl(need('cpuset', guest, 'the CPU set'), 'cpuset.cpus', limits.cpuSet);
      if (limits.ioWeight !== undefined) {
        const directory = need('blkio', guest, 'the IO weight');
        // CFQ's blkio.weight (10..1000) is gone from modern kernels; BFQ's blkio.bfq.weight takes io.weight's 1..1000.
        if ((await readControl(directory, 'blkio.weight')) !== undefined) {
          await writeControl(directory, 'blkio.weight', String(blkioWeight(limits.ioWeight)));
        } else if ((await readControl(directory, 'blkio.bfq.weight')) !== undefined) {
          await writeControl(directory, 'blkio.bfq.weight', String(Math.min(1000, Math.max(1, limits.ioWeight))));
        } else {
          throw new Error(`${directory} offers neither blkio.weight nor blkio.bfq.weight (no proportional IO scheduler), so the IO weight cannot be set`);
        }
      }
    },
    async readUsage(guest): Promise<CgroupUsage> {
      const usage: CgroupUsage = { ...EMPTY_USAGE };
      const memory = directoryFor('memory', guest);
      if (memory && (await directoryExists(memory))) {
        usage.memoryCurrent = (await readNumber(memory, 'memory.usage_in_bytes')) ?? 0;
        usage.memoryPeak = (await readNumber(memory, 'memory.max_usage_in_bytes')) ?? usage.memoryCurrent;
        usage.memoryHits = (await readNumber(memory, 'memory.failcnt')) ?? 0;
        usage.oomKills = (await readKeyValues(memory, 'memory.oom_control')).get('oom_kill') ?? 0;
      }
      const pids = directoryFor('pids', guest);
      if (pids && (await directoryExists(pids))) {
        usage.processesCurrent = (await readNumber(pids, 'pids.current')) ?? 0;
        usage.processesHits = (await readKeyValues(pids, 'pids.events')).get('max') ?? 0;
      } else {
        usage.processesCurrent = (await allPids(guest)).length;
      }
      const cpuacct = directoryFor('cpuacct', guest);
      if (cpuacct && (await directoryExists(cpuacct))) {
        usage.cpuUsageUsec = Math.round(((await readNumber(cpuacct, 'cpuacct.usage')) ?? 0) / 1000);
        Object.assign(usage, await cpuTimes(guest));
      }
      const cpu = directoryFor('cpu', guest);
      if (cpu && (await directoryExists(cpu))) usage.throttledUsec = Math.round(((await readKeyValues(cpu, 'cpu.stat')).get('throttled_time') ?? 0) / 1000);
      return usage;
    },
    async readSampleCounters(guest) {
      // A missing controller or cgroup reads as no file: zeros, without a look at the directory first.
      const memory = directoryFor('memory', guest);
      const pids = directoryFor('pids', guest);
      const cpuacct = directoryFor('cpuacct', guest);
      return {
        cpuUsageUsec: cpuacct ? Math.round(((await readNumber(cpuacct, 'cpuacct.usage')) ?? 0) / 1000) : 0,
        memoryHits: memory ? (await readNumber(memory, 'memory.failcnt')) ?? 0 : 0,
        oomKills: memory ? (await readKeyValues(memory, 'memory.oom_control')).get('oom_kill') ?? 0 : 0,
        processesHits: pids ? (await readKeyValues(pids, 'pids.events')).get('max') ?? 0 : 0,
      };
    },
    readCpuTimes: cpuTimes,
    freeze: (guest) => setFreezer(guest, 'FROZEN'),
    thaw: (guest) => setFreezer(guest, 'THAWED'),
    async killAll(guest) {
      // Frozen, no process can fork between reading the list and the signal.
      const frozen = directoryFor('freezer', guest) !== undefined;
      if (frozen) await setFreezer(guest, 'FROZEN');
      for (const pid of await allPids(guest)) signalIgnoringGone(pid, 'SIGKILL');
      if (frozen) await setFreezer(guest, 'THAWED');
    },
    async remove(guest) {
      for (const hierarchy of hierarchies) await removeCgroupDirectory(join(hierarchy.base, guest));
    },
  };
}
