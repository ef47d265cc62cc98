// The guest's init as the kernel knows it: the pid file names a pid and its start time; it counts
// only while that process still exists with that start time and sits in the guest's cgroup.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type { GuestCgroups } from '../cgroups/guestCgroups';
import { namespaceInode, readProcStat } from './procStat';

export interface InitProcess {
  pid: number;
  startTicks: number;
  pidNamespace: number;
}

export function formatPidFile(pid: number, startTicks: number): string {
  return `${pid} ${startTicks}\n`;
}

export function parsePidFile(text: string): { pid: number; startTicks?: number } | undefined {
  const [pidText, startText] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const startTicks = startText === undefined ? undefined : Number(startText);
  return { pid, startTicks: Number.isInteger(startTicks) ? startTicks : undefined };
}

export async function writePidFile(pidFile: string, pid: number, startTicks: number): Promise<void> {
  await fs.mkdir(dirname(pidFile), { recursive: true });
  const temporary = `${pidFile}.${process.pid}.tmp`;
  await fs.writeFile(temporary, formatPidFile(pid, startTicks));
  await fs.rename(temporary, pidFile);
}

export async function readInitProcess(pidFile: string, cgroups: GuestCgroups, guest: string): Promise<InitProcess | undefined> {
  const recorded = parsePidFile(await fs.readFile(pidFile, 'utf8').catch(() => ''));
  if (!recorded) return undefined;
  const stat = await readProcStat(recorded.pid);
  if (!stat || stat.state === 'Z' || (recorded.startTicks !== undefined && stat.startTicks !== recorded.startTicks)) return undefined;
  if (!(await cgroups.pids(guest)).includes(recorded.pid)) return undefined;
  const pidNamespace = await namespaceInode(recorded.pid, 'pid');
  if (pidNamespace === undefined || pidNamespace === (await namespaceInode('self', 'pid'))) return undefined;
  return { pid: recorded.pid, startTicks: stat.startTicks, pidNamespace };
}

/** The guest's processes: members of its cgroup that live in its PID namespace (launcher helpers outside it do not count). */
export async function guestProcessIds(cgroups: GuestCgroups, guest: string, init: InitProcess): Promise<number[]> {
  const pids = await cgroups.pids(guest);
  const inNamespace = await Promise.all(pids.map(async (pid) => (await namespaceInode(pid, 'pid')) === init.pidNamespace));
  return pids.filter((_, index) => inNamespace[index]);
}
