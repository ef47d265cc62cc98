// A pid alone is reused by the kernel; pid + start time (field 22 of /proc/<pid>/stat) names one
// process for its whole life, so a lock left by a dead agent is recognised as stale.
import { readFileSync } from 'node:fs';

export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may contain spaces; fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number, startTime?: string): boolean {
  const current = processStartTime(pid);
  if (current === undefined) return false;
  return startTime === undefined || startTime === current;
}
