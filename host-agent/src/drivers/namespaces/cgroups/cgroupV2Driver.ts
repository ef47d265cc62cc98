// A guest's cgroup on the unified hierarchy (v2): <base>/<guest>. Limits go to the controller
// files (memory.max, memory.high, pids.max, cpu.max, cpuset.cpus, io.weight); freeze and kill
// use the core files cgroup.freeze and cgroup.kill, which work even without controllers.
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GuestLimits } from '../../../../../shared/domain/guest';
import {
  directoryExists, directoryPerGuest, readControl, readKeyValues, readNumber, readPids, removeCgroupDirectory, writeControl,
} from './cgroupFiles';
import { signalIgnoringGone } from '../runtime/signalProcess';
import { EMPTY_USAGE, type CgroupUsage, type CpuTimes, type GuestCgroups } from './guestCgroups';
import { cpuMaxValue, v2Bytes } from './limitValues';

const WANTED_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'pids'];
const FREEZE_TIMEOUT_MS = 5000;

/** cpu.stat's user and system time (microseconds already). */
function cpuTimesOf(cpuStat: Map<string, number>): CpuTimes {
  return { cpuUserUsec: cpuStat.get('user_usec') ?? 0, cpuSystemUsec: cpuStat.get('system_usec') ?? 0 };
}

export function cgroupV2Driver(base: string): GuestCgroups {
  const directoryOf = directoryPerGuest((guest) => join(base, guest));

  /** Enables in `directory` the wanted controllers it offers and has not enabled yet. */
  async function enableIn(directory: string): Promise<void> {
    const available = ((await readControl(directory, 'cgroup.controllers')) ?? '').split(/\s+/);
    const enabled = ((await readControl(directory, 'cgroup.subtree_control')) ?? '').split(/\s+/);
    const missing = WANTED_CONTROLLERS.filter((controller) => available.includes(controller) && !enabled.includes(controller));
    if (missing.length > 0) await writeControl(directory, 'cgroup.subtree_control', missing.map((controller) => `+${controller}`).join(' '));
  }

  /** The vfleet folder hands the controllers on to each guest; its parent must hand them to it first. */
  async function enableControllers(): Promise<void> {
    await enableIn(dirname(base));
    await enableIn(base);
  }

  async function waitFrozen(directory: string, frozen: boolean): Promise<void> {
    const deadline = Date.now() + FREEZE_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const events = await readKeyValues(directory, 'cgroup.events');
      if ((events.get('frozen') === 1) === frozen) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`${directory} did not become ${frozen ? 'frozen' : 'thawed'} within ${FREEZE_TIMEOUT_MS / 1000} s`);
  }

  return {
    version: 2,
    async create(guest) {
      await fs.mkdir(base, { recursive: true });
      await enableControllers();
      await fs.mkdir(directoryOf(guest), { recursive: true });
    },
    procsFiles: (guest) => [join(directoryOf(guest), 'cgroup.procs')],
    async place(guest, pid) {
      await writeControl(directoryOf(guest), 'cgroup.procs', String(pid));
    },
    pids: (guest) => readPids(directoryOf(guest)),
    exists: (guest) => directoryExists(directoryOf(guest)),
    async applyLimits(guest, limits: GuestLimits) {
      const directory = directoryOf(guest);
      const controllers = ((await readControl(directory, 'cgroup.controllers')) ?? '').split(/\s+/);
      const require = (controller: string, what: string): void => {
        if (!controllers.includes(controller)) throw new Error(`the ${controller} controller is not available in ${directory}, so ${what} cannot be limited`);
      };
      if (controllers.includes('memory') || limits.memoryHard !== undefined || limits.memorySoft !== undefined) {
        require('memory', 'memory');
        await writeControl(directory, 'memory.max', v2Bytes(limits.memoryHard));
        await writeControl(directory, 'memory.high', v2Bytes(limits.memorySoft));
      }
      if (controllers.includes('pids') || limits.processes !== undefined) {
        require('pids', 'the process count');
        await writeControl(directory, 'pids.max', limits.processes === undefined ? 'max' : String(limits.processes));
      }
      if (controllers.includes('cpu') || limits.cpuFillRate !== undefined) {
        require('cpu', 'CPU time');
        await writeControl(directory, 'cpu.max', cpuMaxValue(limits));
      }
      if (limits.cpuSet !== undefined) {
        require('cpuset', 'the CPU set');
        await writeControl(directory, 'cpuset.cpus', limits.cpuSet);
      }
      if (limits.ioWeight !== undefined) {
        require('io', 'the IO weight');
        await writeControl(directory, 'io.weight', `default ${limits.ioWeight}`);
      }
    },
    async readUsage(guest): Promise<CgroupUsage> {
      const directory = directoryOf(guest);
      if (!(await directoryExists(directory))) return { ...EMPTY_USAGE };
      const [memoryEvents, pidsEvents, cpuStat] = await Promise.all([
        readKeyValues(directory, 'memory.events'), readKeyValues(directory, 'pids.events'), readKeyValues(directory, 'cpu.stat'),
      ]);
      const processes = (await readNumber(directory, 'pids.current')) ?? (await readPids(directory)).length;
      const memoryCurrent = (await readNumber(directory, 'memory.current')) ?? 0;
      return {
        memoryCurrent,
        memoryPeak: (await readNumber(directory, 'memory.peak')) ?? memoryCurrent,
        memoryHits: memoryEvents.get('max') ?? 0,
        oomKills: memoryEvents.get('oom_kill') ?? 0,
        processesCurrent: processes,
        processesHits: pidsEvents.get('max') ?? 0,
        cpuUsageUsec: cpuStat.get('usage_usec') ?? 0,
        ...cpuTimesOf(cpuStat),
        throttledUsec: cpuStat.get('throttled_usec') ?? 0,
      };
    },
    async readSampleCounters(guest) {
      // A missing cgroup reads as no file: zeros, without a look at the directory first.
      const directory = directoryOf(guest);
      const memoryEvents = await readKeyValues(directory, 'memory.events');
      return {
        cpuUsageUsec: (await readKeyValues(directory, 'cpu.stat')).get('usage_usec') ?? 0,
        memoryHits: memoryEvents.get('max') ?? 0,
        oomKills: memoryEvents.get('oom_kill') ?? 0,
        processesHits: (await readKeyValues(directory, 'pids.events')).get('max') ?? 0,
      };
    },
    async readCpuTimes(guest) {
      // A missing cgroup reads as no file: zeros.
      return cpuTimesOf(await readKeyValues(directoryOf(guest), 'cpu.stat'));
    },
    async freeze(guest) {
      await writeControl(directoryOf(guest), 'cgroup.freeze', '1');
      await waitFrozen(directoryOf(guest), true);
    },
    async thaw(guest) {
      await writeControl(directoryOf(guest), 'cgroup.freeze', '0');
      await waitFrozen(directoryOf(guest), false);
    },
    async killAll(guest) {
      const directory = directoryOf(guest);
      if (!(await directoryExists(directory))) return;
      if (await fs.access(join(directory, 'cgroup.kill')).then(() => true, () => false)) {
        await writeControl(directory, 'cgroup.kill', '1');
        return;
      }
      // Before cgroup.kill (Linux 5.14): freeze so no process forks while the list is signalled.
      await this.freeze(guest);
      for (const pid of await readPids(directory)) signalIgnoringGone(pid, 'SIGKILL');
      await this.thaw(guest);
    },
    async remove(guest) {
      await removeCgroupDirectory(directoryOf(guest));
    },
  };
}
