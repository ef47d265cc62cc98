// Domain types shared by the agent, the fleet core and the UI. Validation schemas for the wire
// live in shared/protocol/agentMethods.ts and reuse these shapes.

export type DriverName = 'namespaces' | 'vserver';
export type CgroupVersion = 1 | 2;
export type InitStyle = 'plain' | 'sysv';
export type GuestState = 'running' | 'stopped';

export interface GuestInterface {
  /** Directory name under interfaces/ ("0", "1", ...). */
  id: string;
  ip: string;
  prefix: number;
  /** Host device the address belongs to (interfaces/<n>/dev); empty = the host's uplink. */
  dev: string;
}

/** A guest's configuration as stored under /etc/vservers/<name>/ (util-vserver layout). */
export interface GuestConfig {
  name: string;
  xid: number;
  nodename: string;
  domainname: string;
  interfaces: GuestInterface[];
  initStyle: InitStyle;
  /** apps/init/mark: the boot group that `start --marked MARK` starts. */
  mark: string;
  /** bcapabilities: capability names kept in the bounding set (CAP_ prefix, upper case). */
  bcapabilities: string[];
  /** ccapabilities: context capability names (raw_icmp, set_utsname, ...). */
  ccapabilities: string[];
  /** cflags: context flags (virt_uptime, ...). */
  cflags: string[];
  limits: GuestLimits;
  rootDir: string;
}

/** Limits in kernel-neutral units; undefined = unlimited / not set. */
export interface GuestLimits {
  /** RSS hard limit in bytes (rlimits/rss.hard, pages on disk). */
  memoryHard?: number;
  /** RSS soft limit in bytes (rlimits/rss.soft). */
  memorySoft?: number;
  /** Process count (rlimits/nproc). */
  processes?: number;
  /** CPU token bucket (sched/fill-rate, sched/interval): fillRate tokens every interval -> fillRate/interval CPUs. */
  cpuFillRate?: number;
  cpuInterval?: number;
  /** cpuset/cpus, e.g. "0-1". */
  cpuSet?: string;
  /** IO weight 1..10000 (cgroup v2 io.weight / v1 blkio.weight scaled). */
  ioWeight?: number;
}

export interface GuestLimitUsage {
  limits: GuestLimits;
  memoryCurrent: number;
  memoryPeak: number;
  memoryHits: number;
  oomKills: number;
  processesCurrent: number;
  processesHits: number;
  cpuUsageUsec: number;
  throttledUsec: number;
}

export interface GuestStatus {
  name: string;
  xid: number;
  state: GuestState;
  /** Host pid of the guest's init (PID 1 inside), when running. */
  initPid?: number;
  processes: number;
  /** Milliseconds since the guest started, when running. */
  uptimeMs?: number;
}

export interface GuestSample {
  name: string;
  xid: number;
  state: GuestState;
  cpuUsageUsec: number;
  rssBytes: number;
  processes: number;
  memoryHits: number;
  processesHits: number;
  oomKills: number;
}

export interface HostSample {
  time: number;
  cpuBusyFraction: number;
  memoryTotal: number;
  memoryAvailable: number;
  load: [number, number, number];
  diskTotal: number;
  diskFree: number;
  guests: GuestSample[];
}

export interface HostInfo {
  hostname: string;
  kernel: string;
  driver: DriverName;
  cgroupVersion: CgroupVersion;
  cpus: number;
  memoryTotal: number;
  memoryAvailable: number;
  load: [number, number, number];
  guestBase: string;
  configBase: string;
  diskTotal: number;
  diskFree: number;
  agentVersion: string;
  nodeVersion: string;
}

/** One row of vserver-stat (numbers raw; formatting is shared/vserver/statFormat.ts). */
export interface StatRow {
  xid: number;
  processes: number;
  vszBytes: number;
  rssBytes: number;
  userMs: number;
  sysMs: number;
  uptimeMs: number;
  name: string;
}
