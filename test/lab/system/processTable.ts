import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** What /proc tells about one process, read from the root PID namespace. */
export interface ProcessEntry {
  pid: number;
  parentPid: number;
  /** The pid as seen in each nested PID namespace, outermost first (NSpid). */
  namespacePids: number[];
  command: string;
  commandLine: string[];
}

export function readProcess(pid: number): ProcessEntry | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): string => status.match(new RegExp(`^${name}:\\s*(.*)$`, 'm'))?.[1] ?? '';
    return {
      pid,
      parentPid: Number(field('PPid')),
      namespacePids: field('NSpid').split(/\s+/).filter(Boolean).map(Number),
      command: field('Name'),
      commandLine: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean),
    };
  } catch {
    return undefined;
  }
}

export function allPids(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);
}

/** The namespace a process is in, as the kernel's identity string (e.g. "net:[4026532301]"). */
export function namespaceOf(pid: number, type: 'pid' | 'net' | 'mnt'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${type}`);
  } catch {
    return undefined;
  }
}

/** Processes whose PID namespace is the one of `initPid` (the init itself included). */
export function processesInPidNamespaceOf(initPid: number): ProcessEntry[] {
  const namespace = namespaceOf(initPid, 'pid');
  if (!namespace) return [];
  return allPids().filter((pid) => namespaceOf(pid, 'pid') === namespace).map(readProcess).filter((entry) => entry !== undefined);
}

export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
