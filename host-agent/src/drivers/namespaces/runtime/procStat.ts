// /proc/<pid>/stat and /proc/uptime, the kernel's own figures for stat rows and init identity.
import { kernelInode, readKernelCounter, readKernelText } from '../../../host/kernelFiles';

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  /** Clock ticks (USER_HZ). */
  utimeTicks: number;
  stimeTicks: number;
  /** Clock ticks since boot when the process started. */
  startTicks: number;
  /** Page faults of the children it has reaped (cminflt + cmajflt): grows with every child it waits for that ran at all. */
  reapedChildFaults: number;
  vszBytes: number;
}

export const CLOCK_TICKS_PER_SECOND = 100;

/** Parses one stat line; the command name may contain spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const rest = text.slice(close + 2).trim().split(' ');
  const field = (number: number): number => Number(rest[number - 3]);
  return {
    pid,
    state: rest[0] ?? '?',
    ppid: field(4),
    utimeTicks: field(14),
    stimeTicks: field(15),
    startTicks: field(22),
    reapedChildFaults: field(11) + field(13),
    vszBytes: field(23),
  };
}

export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  const text = readKernelCounter(`/proc/${pid}/stat`);
  return text === undefined ? undefined : parseProcStat(text);
}

/** VmSize and VmRSS from /proc/<pid>/status: exact sums, where /proc/<pid>/stat reads the per-CPU RSS counters approximately. */
export function parseProcStatusMemory(text: string): { vszBytes: number; rssBytes: number } {
  const kilobytes = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { vszBytes: kilobytes('VmSize'), rssBytes: kilobytes('VmRSS') };
}

export async function readProcStatusMemory(pid: number): Promise<{ vszBytes: number; rssBytes: number } | undefined> {
  const text = readKernelCounter(`/proc/${pid}/status`);
  return text === undefined ? undefined : parseProcStatusMemory(text);
}

export async function readUptimeSeconds(): Promise<number> {
  return Number((readKernelText('/proc/uptime') ?? '').split(' ')[0]);
}

/** nanosleep and clock_nanosleep by architecture: a process blocked in one of them is pausing, nothing else. */
const SLEEP_SYSCALLS: Partial<Record<NodeJS.Architecture, readonly number[]>> = { x64: [35, 230], arm64: [101, 115] };

/** Whether the process is blocked in a sleep (/proc/<pid>/syscall's first field); false when running, gone or on an unknown architecture. */
export function isPausing(pid: number): boolean {
  const text = readKernelText(`/proc/${pid}/syscall`);
  const number = text === undefined ? Number.NaN : Number(text.split(' ')[0]);
  return SLEEP_SYSCALLS[process.arch]?.includes(number) ?? false;
}

/** The inode of one of a process's namespaces ("pid", "mnt", ...), undefined once it is gone. */
export async function namespaceInode(pid: number | 'self', namespace: string): Promise<number | undefined> {
  return kernelInode(`/proc/${pid}/ns/${namespace}`);
}
