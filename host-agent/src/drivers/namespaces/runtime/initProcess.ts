// The guest's init as the kernel knows it. The pid file names init and the launcher's keeper with
// their start times; it counts only while init still exists with that start time, in the guest's
// cgroup and in a PID namespace of its own.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { readRuntimeFile } from '../../../host/kernelFiles';
import type { GuestCgroups } from '../cgroups/guestCgroups';
import { namespaceInode, readProcStat } from './procStat';

export interface ProcessIdentity {
  pid: number;
  startTicks: number;
}

export interface InitProcess extends ProcessIdentity {
  pidNamespace: number;
  /** The keeper holding the staging mount namespace, when it still runs. */
  keeper?: ProcessIdentity;
}

export interface PidFileContent {
  init: { pid: number; startTicks?: number };
  keeper: { pid: number; startTicks?: number };
}

/** "INIT KEEPER" as the launcher writes it, or "INIT INIT-START KEEPER KEEPER-START" once the agent has checked it. */
export function parsePidFile(text: string): PidFileContent | undefined {
  const numbers = text.trim().split(/\s+/).map(Number);
  if (!numbers.every((value) => Number.isInteger(value) && value > 0)) return undefined;
  if (numbers.length === 2) return { init: { pid: numbers[0] as number }, keeper: { pid: numbers[1] as number } };
  if (numbers.length === 4) {
    const [initPid, initStart, keeperPid, keeperStart] = numbers as [number, number, number, number];
    return { init: { pid: initPid, startTicks: initStart }, keeper: { pid: keeperPid, startTicks: keeperStart } };
  }
  return undefined;
}

export function formatPidFile(init: ProcessIdentity, keeper: ProcessIdentity): string {
  return `${init.pid} ${init.startTicks} ${keeper.pid} ${keeper.startTicks}\n`;
}

export async function readPidFile(pidFile: string): Promise<PidFileContent | undefined> {
  return parsePidFile(readRuntimeFile(pidFile) ?? '');
}

export async function writePidFile(pidFile: string, init: ProcessIdentity, keeper: ProcessIdentity): Promise<void> {
  await fs.mkdir(dirname(pidFile), { recursive: true });
  const temporary = `${pidFile}.${process.pid}.tmp`;
  await fs.writeFile(temporary, formatPidFile(init, keeper));
  await fs.rename(temporary, pidFile);
}

/** The process, if it is alive and (when known) started at that time. */
export async function liveIdentity(recorded: { pid: number; startTicks?: number }): Promise<ProcessIdentity | undefined> {
  const stat = readProcStat(recorded.pid);
  if (!stat || stat.state === 'Z' || (recorded.startTicks !== undefined && stat.startTicks !== recorded.startTicks)) return undefined;
  return { pid: recorded.pid, startTicks: stat.startTicks };
}

/** The launcher's keeper named in the pid file, when it still runs; init itself is not looked at. */
export async function readKeeper(pidFile: string): Promise<ProcessIdentity | undefined> {
  const recorded = await readPidFile(pidFile);
  return recorded ? liveIdentity(recorded.keeper) : undefined;
}

/** The agent's own PID namespace, which a guest's init must not share; it never changes. */
let ownPidNamespace: number | undefined;

/**
 * What was checked of an init once: a process keeps its PID namespace for life, and the pid file
 * with the start time names one process for life. So while the pid file reads the same and that
 * process still runs with that start time, only that is checked again.
 */
const checkedInits = new Map<string, { pidFileText: string; init: ProcessIdentity; pidNamespace: number }>();

/** The guest's init as the kernel knows it; `withKeeper: false` skips looking at the keeper (InitProcess.keeper stays unset). */
export async function readInitProcess(pidFile: string, cgroups: GuestCgroups, guest: string, withKeeper = true): Promise<InitProcess | undefined> {
  const pidFileText = readRuntimeFile(pidFile) ?? '';
  const recorded = parsePidFile(pidFileText);
  if (!recorded) {
    checkedInits.delete(pidFile);
    return undefined;
  }
  const init = await liveIdentity(recorded.init);
  if (!init) return undefined;
  const checked = checkedInits.get(pidFile);
  if (checked && checked.pidFileText === pidFileText && checked.init.startTicks === init.startTicks && checked.init.pid === init.pid) {
    return { ...init, pidNamespace: checked.pidNamespace, keeper: withKeeper ? await liveIdentity(recorded.keeper) : undefined };
  }
  if (!(await cgroups.pids(guest)).includes(init.pid)) return undefined;
  const pidNamespace = await namespaceInode(init.pid, 'pid');
  ownPidNamespace ??= await namespaceInode('self', 'pid');
  if (pidNamespace === undefined || pidNamespace === ownPidNamespace) return undefined;
  checkedInits.set(pidFile, { pidFileText, init, pidNamespace });
  return { ...init, pidNamespace, keeper: withKeeper ? await liveIdentity(recorded.keeper) : undefined };
}

/**
 * The PID namespace of each process seen in a guest's cgroup at the last look. A process keeps
 * its namespace for life, and a pid leaves the cgroup's list when its process ends; a new process
 * could only carry the same pid into the same cgroup between two looks after the kernel's pid
 * counter wrapped around, so a pid still listed is not looked up again.
 */
const namespaceOfMember = new Map<string, Map<number, number | undefined>>();

/**
 * The guest's processes: members of its cgroup that live in its PID namespace (the keeper and exec
 * helpers outside it do not count); `members` is the cgroup's list when the caller has just read it.
 */
export async function guestProcessIds(cgroups: GuestCgroups, guest: string, init: InitProcess, members?: number[]): Promise<number[]> {
  const pids = members ?? await cgroups.pids(guest);
  const known = namespaceOfMember.get(guest);
  const current = new Map<number, number | undefined>();
  for (const pid of pids) current.set(pid, known?.has(pid) ? known.get(pid) : await namespaceInode(pid, 'pid'));
  namespaceOfMember.set(guest, current);
  return pids.filter((pid) => current.get(pid) === init.pidNamespace);
}
