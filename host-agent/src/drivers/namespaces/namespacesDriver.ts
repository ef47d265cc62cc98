// The namespaces driver: a guest is a PID, mount (pivot_root), UTS, IPC, network and time
// namespace plus one cgroup per guest. Whether it runs is always read from the kernel (pid file
// checked against the process and the guest's cgroup), never remembered by the agent.
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GuestConfig, GuestLimits, GuestLimitUsage, GuestSample, GuestStatus, StatRow } from '../../../../shared/domain/guest';
import { ERROR_CODES } from '../../../../shared/protocol/envelope';
import type { Driver, DriverContext, ExecOptions, GuestProcess, UnameValues } from '../../driver';
import { AgentError, guestError } from '../../errors/agentError';
import { runTool } from '../../process/runTool';
import type { GuestCgroups } from './cgroups/guestCgroups';
import { signalIgnoringGone } from './runtime/signalProcess';
import { spawnInGuest } from './exec/guestProcess';
import { pingGroupRange, wantsVirtualUptime } from './launch/capabilityArgs';
import { DEFAULT_GUEST_FSTAB, parseGuestFstab } from './launch/guestFstab';
import type { HostTools } from './launch/hostTools';
import { CONSOLE_LOG_MAX_BYTES, execArgv, startArgv } from './launch/launchArgv';
import { consoleTail, launchGuest, markConsoleStart } from './launch/spawnLauncher';
import { prepareMountPoints } from './launch/mountPoints';
import { setUpGuestNetwork, tearDownGuestNetwork } from './network/guestNetwork';
import { readInitSettings } from './runtime/initSettings';
import { guestRuntimePaths, type GuestRuntimePaths } from './runtime/guestRuntimePaths';
import { guestProcessIds, liveIdentity, readInitProcess, readKeeper, writePidFile, type InitProcess } from './runtime/initProcess';
import { CLOCK_TICKS_PER_SECOND, isPausing, readProcStat, readUptimeSeconds } from './runtime/procStat';
import { hostRow, readStats, sumFigures } from './stat/processFigures';
import { randomBytes } from '../../../../shared/node/lazyBuiltins';

/** Processes of the launcher that stay in the guest's cgroup: the keeper of its staging mount namespace, and the console copy (its shell, fold and the writing loop). */
const LAUNCHER_KEEPERS = 4;

export interface NamespacesDriverOptions {
  context: DriverContext;
  cgroups: GuestCgroups;
  tools: HostTools;
}

const SETTLE_TIMEOUT_MS = 10_000;
const UNAME_SCRIPT = 'printf %s "$1" > /proc/sys/kernel/hostname && printf %s "$2" > /proc/sys/kernel/domainname';

/** How often a stop looks whether the guest's stop sequence is over. */
const STOP_POLL_MS = 20;

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return check();
}

function causeOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createNamespacesDriver(options: NamespacesDriverOptions): Driver {
  const { context, cgroups, tools } = options;
  // Made once per guest name: every poll and sample needs the pid file's path.
  const runtimePaths = new Map<string, GuestRuntimePaths>();
  const pathsOf = (config: GuestConfig): GuestRuntimePaths => {
    let paths = runtimePaths.get(config.name);
    if (!paths) runtimePaths.set(config.name, paths = guestRuntimePaths(context, config.name));
    return paths;
  };
  const initOf = (config: GuestConfig): Promise<InitProcess | undefined> => readInitProcess(pathsOf(config).pidFile, cgroups, config.name);
  /** Init alone, for what shows no keeper (status, stat, samples, run states): it is not looked up. */
  const initAlone = (config: GuestConfig): Promise<InitProcess | undefined> => readInitProcess(pathsOf(config).pidFile, cgroups, config.name, false);

  async function statusOf(config: GuestConfig, init: InitProcess | undefined): Promise<GuestStatus> {
    if (!init) return { name: config.name, xid: config.xid, state: 'stopped', processes: 0 };
    const uptime = await readUptimeSeconds();
    return {
      name: config.name,
      xid: config.xid,
      state: 'running',
      initPid: init.pid,
      processes: (await guestProcessIds(cgroups, config.name, init)).length,
      uptimeMs: Math.max(0, Math.round((uptime - init.startTicks / CLOCK_TICKS_PER_SECOND) * 1000)),
    };
  }

  async function requireRunning(config: GuestConfig): Promise<InitProcess> {
    const init = await initOf(config);
    if (!init) throw guestError(ERROR_CODES.notRunning, config.name, 'it is not running');
    return init;
  }

  /** Kills what is left in the guest's cgroup and removes every kernel object of the guest. */
  async function removeKernelObjects(config: GuestConfig): Promise<void> {
    const paths = pathsOf(config);
    if (await cgroups.exists(config.name)) {
      await cgroups.killAll(config.name);
      const empty = await waitFor(async () => (await cgroups.pids(config.name)).length === 0, SETTLE_TIMEOUT_MS);
      if (!empty) throw guestError(ERROR_CODES.failed, config.name, `processes are left in its cgroup after SIGKILL: ${(await cgroups.pids(config.name)).join(', ')}`);
    }
    await tearDownGuestNetwork(tools, config, paths.netnsName);
    await fs.rm(paths.pidFile, { force: true });
    await fs.rm(dirname(paths.pidFile), { recursive: true, force: true });
    await cgroups.remove(config.name);
  }

  async function makeSyncDir(paths: GuestRuntimePaths, purpose: string): Promise<string> {
    await fs.mkdir(paths.syncBase, { recursive: true, mode: 0o700 });
    const directory = join(paths.syncBase, `${purpose}-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(directory, { mode: 0o700 });
    return directory;
  }

  async function readFstab(config: GuestConfig): Promise<string> {
    return fs.readFile(join(context.configBase, config.name, 'fstab'), 'utf8').catch(() => DEFAULT_GUEST_FSTAB);
  }

  async function start(config: GuestConfig, signal?: AbortSignal): Promise<GuestStatus> {
    if (await initOf(config)) throw guestError(ERROR_CODES.running, config.name, 'it is already running');
    if (signal?.aborted) throw guestError(ERROR_CODES.cancelled, config.name, 'the start was cancelled before anything was made');
    const paths = pathsOf(config);
    const consoleLogBytes = await markConsoleStart(paths.consoleLog, config.name, CONSOLE_LOG_MAX_BYTES);
    const syncDir = await makeSyncDir(paths, 'start');
    /** Between steps: a cancel stops the start here, and the catch below removes what it made. */
    const step = (): void => signal?.throwIfAborted();
    try {
      await removeKernelObjects(config);
      const mounts = parseGuestFstab(await readFstab(config));
      const settings = await readInitSettings(join(context.configBase, config.name));
      await prepareMountPoints(config, mounts);
      step();
      await cgroups.create(config.name);
      await cgroups.applyLimits(config.name, kernelLimits(config.limits));
      await fs.mkdir(dirname(paths.pidFile), { recursive: true });
      await runTool('mkfifo', ['-m', '600', paths.consoleFifo]);
      step();
      await setUpGuestNetwork(tools, config, paths.netnsName);
      step();
      const argv = startArgv(tools, {
        config,
        procsFiles: cgroups.procsFiles(config.name),
        netnsFile: paths.netnsFile,
        pidFile: paths.pidFile,
        consoleLog: paths.consoleLog,
        consoleLogBytes,
        consoleFifo: paths.consoleFifo,
        syncDir,
        mounts,
        pingRange: pingGroupRange(config.ccapabilities),
        clockOffsetSeconds: wantsVirtualUptime(config.cflags) ? Math.floor(await readUptimeSeconds()) : 0,
        startRunlevel: settings.startRunlevel,
        stopRunlevel: settings.stopRunlevel,
      });
      const { init, keeper } = await launchGuest(argv, paths.pidFile, paths.consoleLog, config.rootDir, signal);
      step();
      await writePidFile(paths.pidFile, init, keeper);
    } catch (error) {
      if (signal?.aborted) {
        await removeKernelObjects(config);
        throw guestError(ERROR_CODES.cancelled, config.name, 'the start was cancelled; the guest is stopped and nothing it started is left');
      }
      const tail = await consoleTail(paths.consoleLog);
      await removeKernelObjects(config).catch(() => undefined);
      throw guestError(ERROR_CODES.failed, config.name, `start failed: ${causeOf(error)}${tail ? ` (console: ${tail})` : ''}`);
    } finally {
      await fs.rm(syncDir, { recursive: true, force: true });
    }
    return statusOf(config, await initOf(config));
  }

  async function stop(config: GuestConfig, stopOptions: { immediate?: boolean } = {}): Promise<GuestStatus> {
    const init = await initOf(config);
    if (init && !stopOptions.immediate) {
      // killseq: each signal goes to init, which ends the guest when it exits; SIGKILL to the cgroup follows.
      // The sequence is also over once init began it (a process was born in the guest after the signal:
      // its shutdown action, an rc script; or init reaped a child since, which a short-lived rc script
      // born and gone between two looks leaves in init's reaped children's fault count), every process
      // but init has ended since and init itself only sleeps: all it does then is pause and exit (busybox
      // init sleeps a second after its SIGTERM to all and another after its SIGKILL), which the cgroup's
      // SIGKILL below ends at once.
      const { killSequence } = await readInitSettings(join(context.configBase, config.name));
      const before = new Set(await guestProcessIds(cgroups, config.name, init));
      const reapedBefore = (await readProcStat(init.pid))?.reapedChildFaults;
      let begun = false;
      const over = async (): Promise<boolean> => {
        if ((await liveIdentity(init)) === undefined) return true;
        const now = await guestProcessIds(cgroups, config.name, init);
        const reaped = (await readProcStat(init.pid))?.reapedChildFaults;
        begun ||= now.some((pid) => !before.has(pid)) || (reapedBefore !== undefined && reaped !== undefined && reaped > reapedBefore);
        return begun && now.every((pid) => pid === init.pid) && isPausing(init.pid);
      };
      for (const step of killSequence) {
        if (step.signal === 'SIGKILL') break;
        signalIgnoringGone(init.pid, step.signal);
        if (await waitFor(over, step.waitSeconds * 1000, STOP_POLL_MS)) break;
      }
    }
    try {
      await removeKernelObjects(config);
    } catch (error) {
      if (error instanceof AgentError) throw error;
      throw guestError(ERROR_CODES.failed, config.name, `stop could not remove its kernel objects: ${causeOf(error)}`);
    }
    return statusOf(config, undefined);
  }

  async function exec(config: GuestConfig, argv: string[], execOptions: ExecOptions = {}): Promise<GuestProcess> {
    if (argv.length === 0) throw guestError(ERROR_CODES.invalidParams, config.name, 'exec needs a command');
    const init = await requireRunning(config);
    if (!init.keeper) throw guestError(ERROR_CODES.failed, config.name, 'its launcher keeper process is gone, so nothing can enter it; restart the guest');
    const paths = pathsOf(config);
    const syncDir = await makeSyncDir(paths, 'exec');
    const chain = execArgv(tools, {
      config,
      initPid: init.pid,
      keeperPid: init.keeper.pid,
      procsFiles: cgroups.procsFiles(config.name),
      syncDir,
      workingDir: execOptions.cwd ?? '/',
      argv,
      env: execOptions.env ?? {},
      tty: execOptions.tty === true,
    });
    return spawnInGuest({
      argv: chain.argv,
      env: chain.env,
      stty: execOptions.tty ? tools.stty : undefined,
      onExit: () => fs.rm(syncDir, { recursive: true, force: true }),
    });
  }

  /** The cgroup's pids.max also holds the launcher's keeper, so the guest itself gets the full count the admin set. */
  function kernelLimits(limits: GuestLimits): GuestLimits {
    return limits.processes === undefined ? limits : { ...limits, processes: limits.processes + LAUNCHER_KEEPERS };
  }

  async function applyLimits(config: GuestConfig, limits: GuestLimits, known?: GuestStatus): Promise<void> {
    const running = known ? known.state === 'running' : (await initOf(config)) !== undefined;
    if (!running) return;
    try {
      await cgroups.applyLimits(config.name, kernelLimits(limits));
    } catch (error) {
      throw guestError(ERROR_CODES.failed, config.name, `limits not applied: ${causeOf(error)}`);
    }
  }

  async function readLimits(config: GuestConfig, known?: GuestStatus): Promise<GuestLimitUsage> {
    const { cpuUserUsec: _user, cpuSystemUsec: _system, ...usage } = await cgroups.readUsage(config.name);
    // The launcher's processes share the cgroup while the guest runs (the keeper lives as long as init):
    // a status just read says so without another look at the pid file.
    const running = known ? known.state === 'running' : (await readKeeper(pathsOf(config).pidFile)) !== undefined;
    const keeper = running ? LAUNCHER_KEEPERS : 0;
    return { ...usage, limits: config.limits, processesCurrent: Math.max(0, usage.processesCurrent - keeper) };
  }

  async function setUname(config: GuestConfig, values: UnameValues): Promise<void> {
    const init = await requireRunning(config);
    await runTool(tools.nsenter, [`--uts=/proc/${init.pid}/ns/uts`, '--', tools.sh, '-c', UNAME_SCRIPT, 'vfleet-uname', values.nodename, values.domainname || '(none)'])
      .catch((error: unknown) => {
        throw guestError(ERROR_CODES.failed, config.name, `the host and domain names were not set: ${causeOf(error)}`);
      });
  }

  async function stat(configs: GuestConfig[]): Promise<StatRow[]> {
    const uptime = await readUptimeSeconds();
    const rows: StatRow[] = [];
    const inGuests = new Set<number>();
    for (const config of configs) {
      // The cgroup's list is read once: every member leaves the host row, those in the guest's PID namespace make its own.
      const members = await cgroups.pids(config.name);
      for (const pid of members) inGuests.add(pid);
      const init = await initAlone(config);
      if (!init) continue;
      const figures = sumFigures(readStats(await guestProcessIds(cgroups, config.name, init, members)));
      const cpu = await cgroups.readCpuTimes(config.name);
      const cpuKnown = cpu.cpuUserUsec + cpu.cpuSystemUsec > 0;
      rows.push({
        xid: config.xid,
        ...figures,
        userMs: cpuKnown ? Math.round(cpu.cpuUserUsec / 1000) : figures.userMs,
        sysMs: cpuKnown ? Math.round(cpu.cpuSystemUsec / 1000) : figures.sysMs,
        uptimeMs: Math.max(0, Math.round((uptime - init.startTicks / CLOCK_TICKS_PER_SECOND) * 1000)),
        name: config.name,
      });
    }
    return [await hostRow(inGuests, uptime), ...rows.sort((left, right) => left.xid - right.xid)];
  }

  async function sample(configs: GuestConfig[]): Promise<GuestSample[]> {
    return Promise.all(configs.map(async (config) => {
      const init = await initAlone(config);
      const usage = await cgroups.readSampleCounters(config.name);
      const figures = init ? sumFigures(readStats(await guestProcessIds(cgroups, config.name, init))) : undefined;
      return {
        name: config.name,
        xid: config.xid,
        state: init ? 'running' : 'stopped',
        cpuUsageUsec: usage.cpuUsageUsec,
        rssBytes: figures?.rssBytes ?? 0,
        processes: figures?.processes ?? 0,
        memoryHits: usage.memoryHits,
        processesHits: usage.processesHits,
        oomKills: usage.oomKills,
      } satisfies GuestSample;
    }));
  }

  async function cleanup(config: GuestConfig): Promise<void> {
    if (await initOf(config)) throw guestError(ERROR_CODES.running, config.name, 'it is running; stop it first');
    await removeKernelObjects(config);
  }

  return {
    name: 'namespaces',
    cgroupVersion: cgroups.version,
    status: async (config) => statusOf(config, await initAlone(config)),
    runState: async (config) => {
      const init = await initAlone(config);
      return { name: config.name, xid: config.xid, state: init ? 'running' : 'stopped', initPid: init?.pid };
    },
    start,
    stop,
    freezes: true,
    freeze: async (config) => {
      await requireRunning(config);
      await cgroups.freeze(config.name);
    },
    thaw: async (config) => {
      await cgroups.thaw(config.name);
    },
    exec,
    applyLimits,
    readLimits,
    setUname,
    stat,
    sample,
    cleanup,
  };
}

