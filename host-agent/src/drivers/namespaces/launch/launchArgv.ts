// The argv chains of the staged launcher (see launcherScripts.ts): one to start a guest's init,
// one to run a command inside a running guest. Pure functions of the guest and its paths.
import type { GuestConfig } from '../../../../../shared/domain/guest';
import type { FstabMount } from './guestFstab';
import { HOST_PATH } from '../../../process/hostEnvironment';
import type { HostTools } from './hostTools';
import { setprivArgs } from './capabilityArgs';
import { ARGV_FROM_ENVIRONMENT, JOIN_CGROUPS, PIVOT_INTO_GUEST, PREPARE_GUEST, KEEP_CONSOLE, SPAWN_INIT, STAGE_SWITCH, STOPPER, SYSV_INIT } from './launcherScripts';

/** The console log's size at which the keeper moves it to console.log.1 and starts a new one. */
export const CONSOLE_LOG_MAX_BYTES = 256 * 1024;

export interface StartPlan {
  config: GuestConfig;
  procsFiles: string[];
  netnsFile: string;
  pidFile: string;
  consoleLog: string;
  /** The console log's size now; the keeper moves it aside past CONSOLE_LOG_MAX_BYTES. */
  consoleLogBytes: number;
  consoleFifo: string;
  syncDir: string;
  mounts: FstabMount[];
  pingRange: string;
  /** Seconds to subtract from the boot and monotonic clocks (virt_uptime); 0 keeps the host's. */
  clockOffsetSeconds: number;
  startRunlevel: string;
  stopRunlevel: string;
}

/** What the guest runs as PID 1: its /sbin/init (plain) or the reaping rc runner in its own sh (sysv). */
export function initArgv(plan: Pick<StartPlan, 'config' | 'startRunlevel' | 'stopRunlevel'>): string[] {
  return plan.config.initStyle === 'plain'
    ? ['/sbin/init']
    : ['/bin/sh', '-c', SYSV_INIT, 'vfleet-sysv-init', plan.startRunlevel, plan.stopRunlevel];
}

/** STAGE_SWITCH with its host binaries; `pidFile` names start's PID 1, '-' the chain itself (exec). */
function stageSwitch(tools: HostTools, syncDir: string, pidFile: string): string[] {
  return [tools.sh, '-c', STAGE_SWITCH, 'vfleet-switch', syncDir, tools.nsenter, tools.pivot_root, tools.umount, pidFile];
}

/** NAME=value words for the stopper, which exports them for the guest program alone. */
function environmentWords(env: Record<string, string>): string[] {
  return Object.entries(env).map(([name, value]) => `${name}=${value}`);
}

function guardedExec(tools: HostTools, kept: string[], syncDir: string, mode: 'init' | 'exec', workingDir: string, env: Record<string, string>, argv: string[]): string[] {
  const words = environmentWords(env);
  return [tools.setpriv, ...setprivArgs(kept), '--', tools.sh, '-c', STOPPER, 'vfleet-stopper', syncDir, mode, workingDir, String(words.length), ...words, ...argv];
}

export function startArgv(tools: HostTools, plan: StartPlan): string[] {
  const { config } = plan;
  const clock = plan.clockOffsetSeconds > 0 ? ['--boottime', String(-plan.clockOffsetSeconds), '--monotonic', String(-plan.clockOffsetSeconds)] : [];
  const mountArgs = plan.mounts.flatMap((mount) => [mount.type, mount.options, mount.source, mount.target]);
  return [
    tools.sh, '-c', JOIN_CGROUPS, 'vfleet-join', ...plan.procsFiles, '--',
    ...stageSwitch(tools, plan.syncDir, plan.pidFile),
    tools.sh, '-c', KEEP_CONSOLE, 'vfleet-console', plan.consoleFifo, plan.consoleLog, String(plan.consoleLogBytes), String(CONSOLE_LOG_MAX_BYTES),
    tools.nsenter, `--net=${plan.netnsFile}`, '--',
    tools.unshare, '--mount', '--pid', '--uts', '--ipc', '--time', ...clock, '--propagation', 'private', '--',
    tools.sh, '-c', SPAWN_INIT, 'vfleet-spawn-init', plan.pidFile,
    tools.sh, '-c', PREPARE_GUEST, 'vfleet-prepare', config.rootDir, config.nodename, config.domainname || '(none)', plan.pingRange, plan.consoleFifo,
    String(plan.mounts.length), ...mountArgs,
    tools.unshare, '--mount', '--propagation', 'unchanged', '--',
    tools.sh, '-c', PIVOT_INTO_GUEST, 'vfleet-pivot', config.rootDir, 'notty',
    ...guardedExec(tools, config.bcapabilities, plan.syncDir, 'init', '/', {}, initArgv(plan)),
  ];
}

export interface ExecPlan {
  config: GuestConfig;
  initPid: number;
  /** The launcher's keeper, whose mount namespace is the staging one. */
  keeperPid: number;
  procsFiles: string[];
  syncDir: string;
  workingDir: string;
  argv: string[];
  /** The guest program's own environment, on top of the launcher's fixed one. */
  env: Record<string, string>;
  /** Run under util-linux script, on a pty of the guest's own devpts. */
  tty: boolean;
}

export interface ExecCommand {
  argv: string[];
  /** The chain's whole environment: fixed, never the caller's (script carries its command in it). */
  env: Record<string, string>;
}

/** script takes one command string, so the rest of the chain travels in VFLEET_ARG_<i> (ARGV_FROM_ENVIRONMENT). */
function underScript(tools: HostTools, argv: string[]): ExecCommand {
  const env: Record<string, string> = { VFLEET_ARGC: String(argv.length), SHELL: tools.sh };
  argv.forEach((word, index) => {
    env[`VFLEET_ARG_${index}`] = word;
  });
  return { argv: [tools.script, '--quiet', '--return', '--command', ARGV_FROM_ENVIRONMENT, '/dev/null'], env };
}

/**
 * Joins the guest's cgroup, then its staging mount namespace (held by the keeper) and its net,
 * UTS, IPC and time namespaces; pivots into the guest root in a private copy; joins the PID
 * namespace last, so nothing with the host's root is ever visible to the guest's processes.
 */
export function execArgv(tools: HostTools, plan: ExecPlan): ExecCommand {
  const namespace = (name: string): string => `/proc/${plan.initPid}/ns/${name}`;
  const inGuest = [
    tools.nsenter, `--pid=${namespace('pid')}`, '--no-fork', '--',
    ...guardedExec(tools, plan.config.bcapabilities, plan.syncDir, 'exec', plan.workingDir, plan.env, plan.argv),
  ];
  const afterPivot = plan.tty ? underScript(tools, inGuest) : { argv: inGuest, env: {} };
  const fixed = { PATH: HOST_PATH, HOME: '/root', TERM: plan.tty ? 'xterm' : 'dumb' };
  return {
    argv: [
      tools.sh, '-c', JOIN_CGROUPS, 'vfleet-join', ...plan.procsFiles, '--',
      ...stageSwitch(tools, plan.syncDir, '-'),
      tools.nsenter, `--mount=/proc/${plan.keeperPid}/ns/mnt`, `--net=${namespace('net')}`, `--uts=${namespace('uts')}`, `--ipc=${namespace('ipc')}`, `--time=${namespace('time')}`, '--',
      tools.unshare, '--mount', '--propagation', 'unchanged', '--',
      tools.sh, '-c', PIVOT_INTO_GUEST, 'vfleet-pivot', plan.config.rootDir, plan.tty ? 'tty' : 'notty',
      ...afterPivot.argv,
    ],
    env: { ...fixed, ...afterPivot.env },
  };
}
