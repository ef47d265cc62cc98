// The guest and host shapes that the agent, the fleet core and the UI all speak: one zod schema
// each, and its TypeScript type inferred from it. The agent protocol (shared/protocol/) uses them.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';
import {
  byteCountSchema, cpuSetSchema, deviceNameSchema, fillRateSchema, intervalSchema, ioWeightSchema, ipAddressSchema, guestNameSchema,
  prefixSchema, processCountSchema, xidSchema,
} from '../validation';

export const driverNameSchema = z.enum(['namespaces', 'vserver']);
export type DriverName = z.infer<typeof driverNameSchema>;

export const cgroupVersionSchema = z.union([z.literal(1), z.literal(2)]);
export type CgroupVersion = z.infer<typeof cgroupVersionSchema>;

export const initStyleSchema = z.enum(['plain', 'sysv']);
export type InitStyle = z.infer<typeof initStyleSchema>;

export const guestStateSchema = z.enum(['running', 'stopped']);
export type GuestState = z.infer<typeof guestStateSchema>;

const loadSchema = z.tuple([z.number(), z.number(), z.number()]);

export const guestInterfaceSchema = z.object({
  /** Directory name under interfaces/ ("0", "1", ...). */
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/),
  ip: ipAddressSchema,
  prefix: prefixSchema,
  /** Host device the address belongs to (interfaces/<n>/dev); empty = the host's uplink. */
  dev: deviceNameSchema,
});
export type GuestInterface = z.infer<typeof guestInterfaceSchema>;

/** Limits in kernel-neutral units; undefined = unlimited / not set. */
export const guestLimitsSchema = z.object({
  /** RSS hard limit in bytes (rlimits/rss.hard, pages on disk). */
  memoryHard: byteCountSchema.optional(),
  /** RSS soft limit in bytes (rlimits/rss.soft). */
  memorySoft: byteCountSchema.optional(),
  /** Process count (rlimits/nproc). */
  processes: processCountSchema.optional(),
  /** CPU token bucket (sched/fill-rate, sched/interval): fillRate tokens every interval -> fillRate/interval CPUs. */
  cpuFillRate: fillRateSchema.optional(),
  cpuInterval: intervalSchema.optional(),
  /** cpuset/cpus, e.g. "0-1". */
  cpuSet: cpuSetSchema.optional(),
  /** IO weight 1..10000 (cgroup v2 io.weight / v1 blkio.weight scaled). */
  ioWeight: ioWeightSchema.optional(),
});
export type GuestLimits = z.infer<typeof guestLimitsSchema>;

/** A guest's configuration as stored under /etc/vservers/<name>/ (util-vserver layout). */
export const guestConfigSchema = z.object({
  name: guestNameSchema,
  xid: xidSchema,
  nodename: z.string(),
  domainname: z.string(),
  interfaces: z.array(guestInterfaceSchema),
  initStyle: initStyleSchema,
  /** apps/init/mark: the boot group that `start --marked MARK` starts. */
  mark: z.string(),
  /** bcapabilities: capability names kept in the bounding set (CAP_ prefix, upper case). */
  bcapabilities: z.array(z.string()),
  /** ccapabilities: context capability names (raw_icmp, set_utsname, ...). */
  ccapabilities: z.array(z.string()),
  /** cflags: context flags (virt_uptime, ...). */
  cflags: z.array(z.string()),
  limits: guestLimitsSchema,
  rootDir: z.string(),
});
export type GuestConfig = z.infer<typeof guestConfigSchema>;

export const guestStatusSchema = z.object({
  name: guestNameSchema,
  xid: xidSchema,
  state: guestStateSchema,
  /** Host pid of the guest's init (PID 1 inside), when running. */
  initPid: z.number().int().positive().optional(),
  processes: z.number().int().nonnegative(),
  /** Milliseconds since the guest started, when running. */
  uptimeMs: z.number().nonnegative().optional(),
});
export type GuestStatus = z.infer<typeof guestStatusSchema>;

export const guestLimitUsageSchema = z.object({
  limits: guestLimitsSchema,
  memoryCurrent: z.number().nonnegative(),
  memoryPeak: z.number().nonnegative(),
  memoryHits: z.number().nonnegative(),
  oomKills: z.number().nonnegative(),
  processesCurrent: z.number().nonnegative(),
  processesHits: z.number().nonnegative(),
  cpuUsageUsec: z.number().nonnegative(),
  throttledUsec: z.number().nonnegative(),
});
export type GuestLimitUsage = z.infer<typeof guestLimitUsageSchema>;

export const guestSampleSchema = z.object({
  name: guestNameSchema,
  xid: xidSchema,
  state: guestStateSchema,
  cpuUsageUsec: z.number().nonnegative(),
  rssBytes: z.number().nonnegative(),
  processes: z.number().int().nonnegative(),
  memoryHits: z.number().nonnegative(),
  processesHits: z.number().nonnegative(),
  oomKills: z.number().nonnegative(),
});
export type GuestSample = z.infer<typeof guestSampleSchema>;

export const hostSampleSchema = z.object({
  time: z.number(),
  cpuBusyFraction: z.number().min(0).max(1),
  memoryTotal: z.number().nonnegative(),
  memoryAvailable: z.number().nonnegative(),
  load: loadSchema,
  diskTotal: z.number().nonnegative(),
  diskFree: z.number().nonnegative(),
  guests: z.array(guestSampleSchema),
});
export type HostSample = z.infer<typeof hostSampleSchema>;

export const hostInfoSchema = z.object({
  hostname: z.string(),
  kernel: z.string(),
  driver: driverNameSchema,
  cgroupVersion: cgroupVersionSchema,
  cpus: z.number().int().positive(),
  memoryTotal: z.number().nonnegative(),
  memoryAvailable: z.number().nonnegative(),
  load: loadSchema,
  guestBase: z.string(),
  configBase: z.string(),
  diskTotal: z.number().nonnegative(),
  diskFree: z.number().nonnegative(),
  agentVersion: z.string(),
  nodeVersion: z.string(),
});
export type HostInfo = z.infer<typeof hostInfoSchema>;

/** One row of vserver-stat (numbers raw; formatting is shared/vserver/statTable.ts). */
export const statRowSchema = z.object({
  xid: z.number().int().nonnegative(),
  processes: z.number().int().nonnegative(),
  vszBytes: z.number().nonnegative(),
  rssBytes: z.number().nonnegative(),
  userMs: z.number().nonnegative(),
  sysMs: z.number().nonnegative(),
  uptimeMs: z.number().nonnegative(),
  name: z.string(),
});
export type StatRow = z.infer<typeof statRowSchema>;

/** One process as vps shows it: the CONTEXT column is xid + guest name (MAIN for the host). */
export const psRowSchema = z.object({
  pid: z.number().int().positive(),
  ppid: z.number().int().nonnegative(),
  xid: z.number().int().nonnegative(),
  context: z.string(),
  user: z.string(),
  state: z.string(),
  rssBytes: z.number().nonnegative(),
  command: z.string(),
});
export type PsRow = z.infer<typeof psRowSchema>;

/** A guest whose configuration could not be read: it exists, but nothing else about it is known. */
export const unreadableGuestSchema = z.object({ name: z.string(), error: z.string() });
export type UnreadableGuest = z.infer<typeof unreadableGuestSchema>;
