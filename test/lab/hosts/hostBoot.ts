import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { CgroupMountStep } from '../cgroups/hierarchies';
import { netnsPath } from '../network/labNetwork';
import { childPids, isAlive, readProcess, waitUntil } from '../system/processTable';
import type { LabTool } from '../system/tools';
import { joinCgroupsArgv } from './joinCgroups';

const hostInitScript = fileURLToPath(new URL('./host-init.sh', import.meta.url));

/** The environment of everything started inside a host; PATH as root's login PATH on Debian. */
export const hostEnvironment: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
};

export interface HostBootPlan {
  tools: Record<LabTool, string>;
  labDir: string;
  hostDir: string;
  name: string;
  address: string;
  prefixLength: number;
  port: number;
  gateway: string;
  netns: string;
  cgroupProcsFiles: string[];
  /** The lab's own cgroups (parents of the hosts'), where the launcher waits once the host runs. */
  labCgroupProcsFiles: string[];
  cgroupMountSteps: CgroupMountStep[];
}

export function consoleLogPath(hostDir: string): string {
  return join(hostDir, 'console.log');
}

/**
 * Starts the host detached from the caller (own session, output to its console.log), so it outlives `lab up`:
 * sh joins the host's cgroups -> nsenter joins its netns -> unshare makes the other namespaces and forks
 * tini as PID 1 -> host-init.sh mounts, sets the hostname, starts sshd. Returns tini's pid once sshd listens.
 */
export async function bootHost(plan: HostBootPlan, timeoutMs = 20000): Promise<number> {
  const [program = '/bin/sh', ...args] = joinCgroupsArgv(plan.cgroupProcsFiles, [
    plan.tools.nsenter, `--net=${netnsPath(plan.netns)}`, '--',
    plan.tools.unshare, '--pid', '--fork', '--mount-proc', '--mount', '--uts', '--ipc', '--cgroup', '--propagation', 'private', '--',
    plan.tools.tini, '--',
    '/bin/sh', hostInitScript,
    plan.name, `${plan.address}/${plan.prefixLength}`, plan.gateway, plan.hostDir, plan.labDir,
    ...plan.cgroupMountSteps.flatMap((step) => [step.kind, step.path, step.data]),
  ]);
  const consoleLog = openSync(consoleLogPath(plan.hostDir), 'a');
  const launcher = spawn(program, args, { detached: true, stdio: ['ignore', consoleLog, consoleLog], env: hostEnvironment });
  closeSync(consoleLog);
  launcher.unref();
  const launcherPid = launcher.pid;
  if (launcherPid === undefined) throw new Error(`lab host ${plan.name}: cannot start its launcher`);
  let initPid = 0;
  const started = await waitUntil(() => {
    const [child] = childPids(launcherPid);
    if (child !== undefined && readProcess(child)?.command === 'tini') initPid = child;
    return initPid !== 0 || !isAlive(launcherPid);
  }, timeoutMs);
  if (!started || initPid === 0) throw new Error(`lab host ${plan.name} did not start: ${consoleTail(plan.hostDir)}`);
  // The launcher (unshare, waiting for tini) lives outside the host's PID namespace, so it must not count in the host's cgroups.
  for (const procsFile of plan.labCgroupProcsFiles) await writeFile(procsFile, String(launcherPid));
  const listening = await waitUntil(() => sshdListening(initPid, plan.address, plan.port) || !isAlive(initPid), timeoutMs);
  if (!listening || !isAlive(initPid)) throw new Error(`lab host ${plan.name} started but its sshd is not listening on ${plan.address}:${plan.port}: ${consoleTail(plan.hostDir)}`);
  return initPid;
}

/** True when a socket of the host's network namespace listens on address:port (read via the init's /proc/<pid>/net/tcp). */
export function sshdListening(initPid: number, address: string, port: number): boolean {
  const wanted = `${address.split('.').reverse().map((octet) => Number(octet).toString(16).padStart(2, '0')).join('')}:${port.toString(16).padStart(4, '0')}`.toUpperCase();
  try {
    return readFileSync(`/proc/${initPid}/net/tcp`, 'utf8').split('\n').some((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1] === wanted && fields[3] === '0A';
    });
  } catch {
    return false;
  }
}

function consoleTail(hostDir: string): string {
  const path = consoleLogPath(hostDir);
  const sshdLog = join(hostDir, 'sshd', 'sshd.log');
  const lines = [path, sshdLog].filter(existsSync).flatMap((file) => readFileSync(file, 'utf8').trim().split('\n').slice(-4));
  return lines.length > 0 ? `last output: ${lines.join(' / ')}` : 'it printed nothing';
}
