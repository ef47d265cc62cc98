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

/** Fields 3 to 23 of a stat line, the last one a caller reads (vsize). */
const LAST_FIELD = 23;

/**
 * Parses one stat line; the command name may contain spaces and parentheses, so fields count
 * from after the last ')'. Only the fields up to vsize are cut out (a sample parses hundreds a second).
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  const fields: string[] = [];
  let start = close + 2;
  while (fields.length <= LAST_FIELD - 3 && start <= text.length) {
    const space = text.indexOf(' ', start);
    const end = space === -1 ? text.length : space;
    fields.push(text.slice(start, end));
    start = end + 1;
  }
  const field = (number: number): number => Number(fields[number - 3]);
  return {
    pid: Number(text.slice(0, text.indexOf(' '))),
    state: fields[0] ?? '?',
    ppid: field(4),
    utimeTicks: field(14),
    stimeTicks: field(15),
    startTicks: field(22),
    reapedChildFaults: field(11) + field(13),
    vszBytes: field(23),
  };
}

/** Synchronous as every kernel read of the agent (host/kernelFiles.ts); undefined once the process is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  const text = readKernelCounter(`/proc/${pid}/stat`);
  return text === undefined ? undefined : parseProcStat(text);
}

/**
 * VSZ and RSS from /proc/<pid>/statm ("size resident shared ..." in pages): the same counters
 * /proc/<pid>/status prints as VmSize and VmRSS (task_statm and task_mem read them alike), in one
 * short line the kernel makes for a fraction of status's cost, where /proc/<pid>/stat's RSS field
 * is the per-CPU approximation.
 */
export function parseProcStatm(text: string, pageBytes: number): { vszBytes: number; rssBytes: number } | undefined {
  const [size, resident] = text.split(' ', 2).map(Number);
  if (!Number.isInteger(size) || !Number.isInteger(resident)) return undefined;
  return { vszBytes: (size as number) * pageBytes, rssBytes: (resident as number) * pageBytes };
}

/** statm's unit: the first mapping's KernelPageSize in this process's own smaps (4 KiB on x86-64, 4, 16 or 64 KiB on arm64). */
let pageBytes: number | undefined;
export function kernelPageBytes(): number {
  pageBytes ??= Number(/^KernelPageSize:\s+(\d+) kB$/m.exec(readKernelText('/proc/self/smaps') ?? '')?.[1] ?? 4) * 1024;
  return pageBytes;
}

export function readProcMemory(pid: number): { vszBytes: number; rssBytes: number } | undefined {
  const text = readKernelCounter(`/proc/${pid}/statm`);
  return text === undefined ? undefined : parseProcStatm(text, kernelPageBytes());
}

/** Seconds since boot; /proc/uptime is made anew on each read, so through a kept descriptor. */
export async function readUptimeSeconds(): Promise<number> {
  return Number((readKernelCounter('/proc/uptime') ?? '').split(' ')[0]);
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
