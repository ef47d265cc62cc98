// The fleet at scale, side by side with the tools admins use today, on one lab in one run: inventory
// refresh (fleet.stat) at several fleet sizes against parallel-ssh running the agent's `stat --json`;
// one short command in every guest (fleet.exec) against Ansible ad-hoc and parallel-ssh running the
// agent's exec per guest; onboarding every host cold (no agent on it) and warm. Each figure is the
// median of repeated runs with min and max; the agent's CPU time per call is reported beside the
// lab latency, because the lab's hosts share two cores where a real fleet's hosts each have their own.
import type { FleetCore } from '../../../electron/core/fleet';
import { FLEET_EXEC_MAX_CONCURRENCY } from '../../../shared/api/fleetExec';
import { labDown, labUp, type Lab } from '../../lab/lab';
import { addLabHosts, removeDataDir, startCore, waitFor, type CoreHandle } from '../../core/support/coreOnLab';
import type { CleanupStack } from '../benchCleanup';
import { repeated } from '../report/benchFigure';
import type { BenchRecorder } from '../report/benchRecorder';
import { median } from '../report/percentiles';
import { ansibleShell, ensurePeerTools, parallelSsh, peerFiles, type PeerFiles } from './peerTools';

export const SCALE_FLEET_LAB = { name: 'bench20', subnet: '10.213.144.0/24' };
const BENCHMARK = 'fleet at scale';
const FIRST_XID = 7001;
/** Hosts built on at once (each build is a copy and a few tools: the lab's two cores are the limit). */
const BUILD_PARALLELISM = 4;
const STAT_GOAL_MS = 50;
const STAT_GOAL_RATIO = 20;
const EXEC_GOAL_RATIO = 5;
const ONBOARD_COLD_GOAL_S = 5;
const ONBOARD_WARM_GOAL_S = 2;
const USER_HZ = 100;

export interface FleetScaleOptions {
  /** Fleet sizes (hosts) of the inventory refresh; the largest is the lab's size and the others' measure. */
  sizes: number[];
  guestsPerHost: number;
  repetitions: number;
}

export const guestName = (index: number): string => `g${index}`;

/** A lab of `hosts` hosts with `guests` running busybox guests each, built through a core that stays connected. */
export async function startScaleFleet(cleanup: CleanupStack, hosts: number, guests: number, agentBundlePath: string | undefined): Promise<{ lab: Lab; handle: CoreHandle }> {
  await labDown({ name: SCALE_FLEET_LAB.name });
  cleanup.add(`lab ${SCALE_FLEET_LAB.name}`, () => labDown({ name: SCALE_FLEET_LAB.name }));
  const lab = await labUp({ ...SCALE_FLEET_LAB, hosts });
  const handle = await connectedCore(cleanup, lab, agentBundlePath);
  await buildGuests(handle.core, lab.hosts.map((host) => host.name), 1, guests);
  return { lab, handle };
}

/** A fresh core (own data folder) with every lab host added and connected; keys vouched for by the lab's known_hosts. */
export async function connectedCore(cleanup: CleanupStack, lab: Lab, agentBundlePath: string | undefined, dataDir?: string): Promise<CoreHandle> {
  const handle = await startCore({ knownHostsFiles: [lab.knownHostsPath], ...(agentBundlePath ? { agentBundlePath } : {}), ...(dataDir ? { dataDir } : {}) });
  cleanup.add(`fleet core data folder ${handle.dataDir}`, () => removeDataDir(handle));
  cleanup.add('fleet core', () => handle.close());
  if (!dataDir) await addLabHosts(handle.core, lab);
  await connectAll(handle.core, lab);
  return handle;
}

/** hosts.connect of every lab host; throws naming each host that did not connect. */
export async function connectAll(core: FleetCore, lab: Lab): Promise<void> {
  const statuses = await core.invoke('hosts.connect', { names: lab.hosts.map((host) => host.name), timeoutMs: 120_000 });
  const down = statuses.filter((status) => status.connection !== 'connected');
  if (down.length > 0) throw new Error(`not connected: ${down.map((status) => `${status.name} ${status.connection} ${status.error ?? ''}`).join('; ')}`);
}

/** Builds and starts guests g<from>..g<to> on every host, BUILD_PARALLELISM hosts at a time, and waits until the fleet state shows them running. */
export async function buildGuests(core: FleetCore, hosts: string[], from: number, to: number): Promise<void> {
  const queue = [...hosts];
  const worker = async (): Promise<void> => {
    for (let host = queue.shift(); host !== undefined; host = queue.shift()) {
      for (let index = from; index <= to; index += 1) {
        const guest = guestName(index);
        // Every host gets the same g1..gN with the same context ids, as a fleet built from one template is:
        // the fleet-wide check warns of each (name and id used on another host), so the build is forced.
        await core.invoke('guest.build', { host, build: { name: guest, method: 'busybox', xid: FIRST_XID + index - 1 }, force: true });
        await core.invoke('guest.start', { host, guest });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BUILD_PARALLELISM, hosts.length) }, worker));
  await waitFor(`${to} running guests on each of ${hosts.length} hosts`, () =>
    hosts.every((host) => (core.state.host(host)?.guests.filter((guest) => guest.state === 'running').length ?? 0) >= to), 60_000);
}

/** CPU ticks of each host's serving agent and the host's clock, read at once on every host. */
async function agentClock(lab: Lab, hosts: string[]): Promise<Map<string, { ticks: number; seconds: number }>> {
  // The bracket keeps the pattern from matching this shell's own command line.
  const script = 'pid=$(pgrep -f "vfleet-agent[.]js serve" | head -n 1); [ -n "$pid" ] || exit 3; awk \'{ printf "%d ", $14 + $15 }\' "/proc/$pid/stat"; cut -d" " -f1 /proc/uptime';
  const readings = await Promise.all(hosts.map(async (host) => {
    const result = await lab.exec(host, ['sh', '-c', script]);
    const [ticks, seconds] = result.stdout.trim().split(/\s+/).map(Number);
    if (result.code !== 0 || !Number.isFinite(ticks) || !Number.isFinite(seconds)) throw new Error(`Host ${host}: no serving agent to read the CPU time of (${result.stderr.trim() || `exit ${result.code}`})`);
    return [host, { ticks: ticks as number, seconds: seconds as number }] as const;
  }));
  return new Map(readings);
}

/**
 * The agents' CPU time per call of `run` (repeated `calls` times), per host: the CPU over the calls
 * minus what the same agent spent in an equal time right after without calls (its 1 Hz sampling
 * and state polls), median over the hosts.
 */
async function agentCpuPerCall(lab: Lab, hosts: string[], calls: number, run: () => Promise<void>): Promise<number> {
  const before = await agentClock(lab, hosts);
  for (let call = 0; call < calls; call += 1) await run();
  const during = await agentClock(lab, hosts);
  const spanMs = Math.max(...hosts.map((host) => ((during.get(host)?.seconds ?? 0) - (before.get(host)?.seconds ?? 0)) * 1000));
  await new Promise((resolve) => setTimeout(resolve, spanMs));
  const after = await agentClock(lab, hosts);
  const perCallMs = hosts.map((host) => {
    const [a, b, c] = [before.get(host), during.get(host), after.get(host)];
    if (!a || !b || !c) return NaN;
    const idlePerSecond = (c.ticks - b.ticks) / Math.max(0.001, c.seconds - b.seconds);
    const busyTicks = (b.ticks - a.ticks) - idlePerSecond * (b.seconds - a.seconds);
    return (Math.max(0, busyTicks) / USER_HZ / calls) * 1000;
  });
  return median(perCallMs);
}

async function timedRuns(repetitions: number, run: () => Promise<void>): Promise<number[]> {
  const runs: number[] = [];
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const began = performance.now();
    await run();
    runs.push(performance.now() - began);
  }
  return runs;
}

/** The peer's median over the runs, or undefined (a failure row naming the peer) when it could not run: the other figures still come. */
async function peerMedian(recorder: BenchRecorder, name: string, repetitions: number, run: () => Promise<void>, warmUp = false): Promise<number | undefined> {
  try {
    if (warmUp) await run();
    return median(await timedRuns(repetitions, run));
  } catch (error) {
    recorder.fail(`${BENCHMARK}: peer ${name}`, (error as Error).message);
    return undefined;
  }
}

async function peersOrNothing(recorder: BenchRecorder, lab: Lab, cleanup: CleanupStack): Promise<PeerFiles | undefined> {
  try {
    await ensurePeerTools();
    return await peerFiles(lab, cleanup);
  } catch (error) {
    recorder.fail(`${BENCHMARK}: peers`, `parallel-ssh and Ansible are not available, so no figure has a peer: ${(error as Error).message}`);
    return undefined;
  }
}

/** Leaves the lab up (with its guests) for the core-memory benchmark; its cores are closed. */
export async function benchFleetScale(recorder: BenchRecorder, cleanup: CleanupStack, agentBundlePath: string | undefined, options: FleetScaleOptions): Promise<Lab> {
  const hostCount = Math.max(...options.sizes);
  const { lab, handle } = await startScaleFleet(cleanup, hostCount, options.guestsPerHost, agentBundlePath);
  const core = handle.core;
  const allHosts = lab.hosts.map((host) => host.name);
  const agentFile = core.state.host(allHosts[0] as string)?.agent?.file;
  if (!agentFile) throw new Error(`Host ${allHosts[0]}: the fleet state names no deployed agent`);
  const peers = await peersOrNothing(recorder, lab, cleanup);
  const scope = `${options.guestsPerHost} running guests per host`;

  for (const size of options.sizes) {
    const hosts = allHosts.slice(0, size);
    const stat = async (): Promise<void> => {
      const result = await core.invoke('fleet.stat', { names: hosts });
      const guestRows = result.rows.filter((row) => row.xid !== 0).length;
      if (result.errors.length > 0) throw new Error(`fleet.stat failed on ${result.errors.map((error) => `${error.host}: ${error.error}`).join('; ')}`);
      if (guestRows !== size * options.guestsPerHost) throw new Error(`fleet.stat returned ${guestRows} guest rows, expected ${size * options.guestsPerHost}`);
    };
    await stat();
    const runs = await timedRuns(options.repetitions, stat);
    const cpuMs = await agentCpuPerCall(lab, hosts, options.repetitions, stat);
    const psshName = `parallel-ssh -p ${size}, agent stat --json`;
    const peer = peers ? await peerMedian(recorder, psshName, options.repetitions, async () => parallelSsh(lab, await peers.hostsFile(hosts), size, `node ${agentFile} stat --json > /dev/null`)) : undefined;
    recorder.add({
      benchmark: BENCHMARK,
      metric: `inventory refresh (fleet.stat), ${size} hosts × ${scope}, warm`,
      ...repeated(runs),
      unit: 'ms',
      ...(peer !== undefined ? { peer: { name: psshName, value: peer } } : {}),
      ...(size === hostCount ? { target: { comparison: '<', limit: STAT_GOAL_MS }, ratioTarget: { comparison: '>=', limit: STAT_GOAL_RATIO } } : {}),
      note: `agent CPU time per stat call: median ${cpuMs.toFixed(1)} ms per host (over the agent's own sampling); ${size} agents share the lab's cores`,
    });
  }

  const guestCount = hostCount * options.guestsPerHost;
  const exec = async (): Promise<void> => {
    const result = await core.invoke('fleet.exec', { argv: ['true'], concurrency: Math.min(FLEET_EXEC_MAX_CONCURRENCY, guestCount) });
    const failed = result.results.filter((outcome) => outcome.exitCode !== 0);
    if (result.results.length !== guestCount || failed.length > 0) {
      throw new Error(`fleet.exec true ran in ${result.results.length} of ${guestCount} guests, ${failed.length} failed: ${failed.slice(0, 3).map((outcome) => `${outcome.host}/${outcome.guest} ${outcome.error ?? outcome.exitCode}`).join('; ')}`);
    }
  };
  await exec();
  const execRuns = await timedRuns(options.repetitions, exec);
  const perGuest = Array.from({ length: options.guestsPerHost }, (_, index) => guestName(index + 1)).join(' ');
  const byAgentCli = `for g in ${perGuest}; do node ${agentFile} exec "$g" -- true || exit 1; done`;
  const execMetric = `exec of \`true\` in all ${guestCount} guests (${hostCount} hosts), warm`;
  const execCpuMs = await agentCpuPerCall(lab, allHosts, options.repetitions, exec);
  const execNote = `fleet.exec at concurrency ${Math.min(FLEET_EXEC_MAX_CONCURRENCY, guestCount)}; agent CPU time per host for its ${options.guestsPerHost} guests: ${execCpuMs.toFixed(0)} ms; the peers run \`vfleet-agent exec\` per guest on each host`;
  const ansibleName = `ansible -m shell -f ${hostCount}`;
  const psshName = `parallel-ssh -p ${hostCount}`;
  // A first Ansible run opens the SSH masters the measured runs reuse (warm, as vfleet's sessions are).
  const inventory = peers ? await peers.inventory(allHosts) : undefined;
  const ansible = peers && inventory ? await peerMedian(recorder, ansibleName, options.repetitions, () => ansibleShell(peers, inventory, hostCount, byAgentCli), true) : undefined;
  const pssh = peers ? await peerMedian(recorder, psshName, options.repetitions, async () => parallelSsh(lab, await peers.hostsFile(allHosts), hostCount, byAgentCli)) : undefined;
  const execGoal = { ratioTarget: { comparison: '>=', limit: EXEC_GOAL_RATIO } } as const;
  recorder.add({ benchmark: BENCHMARK, metric: `${execMetric}, against Ansible`, ...repeated(execRuns), unit: 'ms', ...(ansible !== undefined ? { peer: { name: ansibleName, value: ansible } } : {}), ...execGoal, note: execNote });
  recorder.add({ benchmark: BENCHMARK, metric: `${execMetric}, against parallel-ssh`, ...repeated(execRuns), unit: 'ms', ...(pssh !== undefined ? { peer: { name: psshName, value: pssh } } : {}), ...execGoal });

  // Onboarding: a core that has never seen the hosts (keys vouched for by known_hosts), from hosts.connect until every host is connected with its inventory.
  await handle.close();
  /** One onboarding: its time, and the CPU the lab's hosts (per host) and this process (the core) spent on it. */
  const onboard = async (cold: boolean): Promise<{ ms: number; hostCpuMs: number; coreCpuMs: number }> => {
    if (cold) await Promise.all(allHosts.map((host) => lab.exec(host, ['rm', '-rf', '/var/lib/vfleet/agent'])));
    const fresh = await startCore({ knownHostsFiles: [lab.knownHostsPath], ...(agentBundlePath ? { agentBundlePath } : {}) });
    try {
      await addLabHosts(fresh.core, lab);
      const [hostCpuBefore, coreCpuBefore] = [lab.cpuSeconds(), process.cpuUsage()];
      const began = performance.now();
      await connectAll(fresh.core, lab);
      await waitFor('every host\'s first inventory', () => allHosts.every((host) => (fresh.core.state.host(host)?.guests.length ?? 0) >= options.guestsPerHost), 60_000);
      const ms = performance.now() - began;
      const coreCpu = process.cpuUsage(coreCpuBefore);
      const hostCpuMs = ((lab.cpuSeconds() - hostCpuBefore) * 1000) / allHosts.length;
      const coreCpuMs = (coreCpu.user + coreCpu.system) / 1000;
      const uploaded = allHosts.filter((host) => fresh.core.state.host(host)?.agent?.uploaded === true).length;
      if (uploaded !== (cold ? allHosts.length : 0)) throw new Error(`a ${cold ? 'cold' : 'warm'} onboarding uploaded the agent to ${uploaded} of ${allHosts.length} hosts`);
      return { ms, hostCpuMs, coreCpuMs };
    } finally {
      await fresh.close();
      await removeDataDir(fresh);
    }
  };
  const cold: Array<Awaited<ReturnType<typeof onboard>>> = [];
  const warm: typeof cold = [];
  for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
    cold.push(await onboard(true));
    warm.push(await onboard(false));
  }
  const onboardScope = `${hostCount} hosts × ${options.guestsPerHost} guests: connect, deploy, first inventory`;
  // The lab's hosts share the machine's cores, so the time is theirs together; the CPU per host is what a real host spends.
  const cpuNote = (runs: typeof cold): string =>
    `CPU per host (sshd, the agent's start or upload, its first answers): median ${median(runs.map((run) => run.hostCpuMs)).toFixed(0)} ms; the core's CPU: ${median(runs.map((run) => run.coreCpuMs)).toFixed(0)} ms for the ${hostCount} hosts; ${hostCount} hosts share the lab's cores`;
  recorder.add({ benchmark: BENCHMARK, metric: `onboarding cold (no agent on the hosts), ${onboardScope}`, ...repeated(cold.map((run) => run.ms / 1000)), unit: 's', target: { comparison: '<', limit: ONBOARD_COLD_GOAL_S }, note: cpuNote(cold) });
  recorder.add({ benchmark: BENCHMARK, metric: `onboarding warm (agent present), ${onboardScope}`, ...repeated(warm.map((run) => run.ms / 1000)), unit: 's', target: { comparison: '<', limit: ONBOARD_WARM_GOAL_S }, note: cpuNote(warm) });
  return lab;
}
