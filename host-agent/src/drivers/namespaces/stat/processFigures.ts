// vserver-stat's per-context figures from the kernel: process count, VSZ and RSS summed over
// /proc/<pid>/stat, and the host row (xid 0, "root server") for every process in no guest.
import type { StatRow } from '../../../../../shared/domain/guest';
import { listProcessIds } from '../../../host/kernelFiles';
import { CLOCK_TICKS_PER_SECOND, readProcMemory, readProcStat, type ProcStat } from '../runtime/procStat';

export interface ProcessFigures {
  processes: number;
  vszBytes: number;
  rssBytes: number;
  userMs: number;
  sysMs: number;
}

/** CPU times from /proc/<pid>/stat, memory from /proc/<pid>/statm; processes that exit meanwhile are left out. */
export interface ProcessSample extends ProcStat {
  rssBytes: number;
}

export function readStats(pids: number[]): ProcessSample[] {
  const samples: ProcessSample[] = [];
  for (const pid of pids) {
    const stat = readProcStat(pid);
    const memory = stat && readProcMemory(pid);
    if (stat && memory) samples.push({ ...stat, vszBytes: memory.vszBytes, rssBytes: memory.rssBytes });
  }
  return samples;
}

export function sumFigures(stats: ProcessSample[]): ProcessFigures {
  const ticksToMs = 1000 / CLOCK_TICKS_PER_SECOND;
  const sum: ProcessFigures = { processes: stats.length, vszBytes: 0, rssBytes: 0, userMs: 0, sysMs: 0 };
  for (const stat of stats) {
    sum.vszBytes += stat.vszBytes;
    sum.rssBytes += stat.rssBytes;
    sum.userMs += stat.utimeTicks * ticksToMs;
    sum.sysMs += stat.stimeTicks * ticksToMs;
  }
  return sum;
}

/** Host row: every process this agent sees that belongs to no guest; uptime is the host's. */
export async function hostRow(guestPids: Set<number>, uptimeSeconds: number): Promise<StatRow> {
  const pids = listProcessIds().filter((pid) => !guestPids.has(pid));
  const figures = sumFigures(readStats(pids));
  return { xid: 0, ...figures, uptimeMs: Math.round(uptimeSeconds * 1000), name: 'root server' };
}
