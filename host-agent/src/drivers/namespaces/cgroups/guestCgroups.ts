// The one small interface the namespaces driver uses for a guest's cgroups, whatever the
// cgroup version: cgroupV1Driver, cgroupV2Driver, and hybridCgroupDriver combining both.
import type { CgroupVersion, GuestLimitUsage, GuestLimits } from '../../../../../shared/domain/guest';

/**
 * What the kernel counts for one guest's cgroup: the usage part of GuestLimitUsage (memoryHits are
 * v1 memory.failcnt or v2 memory.events "max"), plus CPU time split into user and system.
 */
export interface CgroupUsage extends Omit<GuestLimitUsage, 'limits'> {
  cpuUserUsec: number;
  cpuSystemUsec: number;
}

/** What a health sample takes of a guest's cgroup: fewer files than CgroupUsage, read every second. */
export type SampleCounters = Pick<CgroupUsage, 'cpuUsageUsec' | 'memoryHits' | 'processesHits' | 'oomKills'>;

/** What a stat row takes of a guest's cgroup: its CPU time split into user and system, one file. */
export type CpuTimes = Pick<CgroupUsage, 'cpuUserUsec' | 'cpuSystemUsec'>;

export interface GuestCgroups {
  readonly version: CgroupVersion;
  /** Creates the guest's cgroup(s); existing ones are kept. */
  create(guest: string): Promise<void>;
  /** Every cgroup.procs (or tasks) file a process must write its pid to, to join the guest. */
  procsFiles(guest: string): string[];
  place(guest: string, pid: number): Promise<void>;
  /** Pids in the guest's cgroup; empty when the cgroup does not exist. */
  pids(guest: string): Promise<number[]>;
  exists(guest: string): Promise<boolean>;
  applyLimits(guest: string, limits: GuestLimits): Promise<void>;
  readUsage(guest: string): Promise<CgroupUsage>;
  /** The counters of a health sample; zeros when the cgroup does not exist. */
  readSampleCounters(guest: string): Promise<SampleCounters>;
  /** The guest's CPU time for a stat row; zeros when the cgroup (or its CPU accounting) does not exist. */
  readCpuTimes(guest: string): Promise<CpuTimes>;
  freeze(guest: string): Promise<void>;
  thaw(guest: string): Promise<void>;
  /** SIGKILL to every process of the guest's cgroup. */
  killAll(guest: string): Promise<void>;
  /** Removes the guest's cgroup(s); they must be empty. */
  remove(guest: string): Promise<void>;
}

export const EMPTY_USAGE: CgroupUsage = {
  memoryCurrent: 0, memoryPeak: 0, memoryHits: 0, oomKills: 0, processesCurrent: 0, processesHits: 0,
  cpuUsageUsec: 0, cpuUserUsec: 0, cpuSystemUsec: 0, throttledUsec: 0,
};
