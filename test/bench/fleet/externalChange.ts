// How soon a change made by hand on a host shows in the fleet state: a busybox guest on lab-1 is
// started and stopped with the agent CLI on the host, and each time the clock runs from just
// before the command until the fleet state's delta shows the new state.
import { AgentCallError } from '../../../electron/core/agent/agentRpcClient';
import type { FleetCore } from '../../../electron/core/fleet';
import type { GuestState } from '../../../shared/domain/guest';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { waitFor } from '../../core/support/coreOnLab';
import { hostAddress, parseSubnet } from '../../lab/network/subnet';
import type { CleanupStack } from '../benchCleanup';
import { median, percentile } from '../report/percentiles';
import type { BenchRecorder } from '../report/benchRecorder';
import { BENCH_GUEST, type BenchFleet } from './benchFleet';
import { watchForDelta } from './deltaWatch';

const { host: HOST, name: GUEST, xid: XID } = BENCH_GUEST;
/** Far above the lab hosts' own addresses (.1, .2, ...), below the gateway (.254). */
const GUEST_ADDRESS_NUMBER = 120;
const P95_TARGET_MS = 2_000;
/** A stop run by hand when the bench was interrupted may still hold the guest's lock. */
const LOCK_WAIT_MS = 15_000;
const BENCHMARK = 'external-change latency';

interface Round {
  /** From before the CLI command to the delta. */
  totalMs: number;
  /** The CLI command's own run time (node start-up and the operation). */
  commandMs: number;
  /** From the command's exit to the delta: the share of the agent's watcher and the core; negative when the delta came first. */
  afterCommandMs: number;
}

export async function benchExternalChange(recorder: BenchRecorder, cleanup: CleanupStack, fleet: BenchFleet, roundCount: number): Promise<void> {
  const { core, lab } = fleet;
  const subnet = parseSubnet(lab.subnet);
  const guestInterface = { ip: hostAddress(subnet, GUEST_ADDRESS_NUMBER), prefix: subnet.prefixLength };
  await core.invoke('guest.build', { host: HOST, build: { name: GUEST, method: 'busybox', xid: XID, interfaces: [guestInterface] } });
  cleanup.add(`guest ${GUEST} on ${HOST}`, () => removeGuest(core));
  await waitFor(`${GUEST} stopped in the fleet state`, () => core.state.guest(HOST, GUEST)?.state === 'stopped', 20_000);
  const agentFile = core.state.host(HOST)?.agent?.file;
  if (!agentFile) throw new Error(`Host ${HOST}: the fleet state names no deployed agent file`);

  const byHand = async (command: 'start' | 'stop', expected: GuestState): Promise<Round> => {
    const wait = watchForDelta(core, `${GUEST} ${expected} in the fleet state after '${command}' on ${HOST}`, (delta) =>
      delta.type === 'guest' && delta.guest.host === HOST && delta.guest.name === GUEST && delta.guest.state === expected, 20_000);
    const began = performance.now();
    const result = await lab.exec(HOST, ['node', agentFile, command, GUEST], { timeoutMs: 60_000 });
    const commandMs = performance.now() - began;
    if (result.code !== 0) {
      wait.cancel();
      throw new Error(`Host ${HOST}, guest ${GUEST}: the agent CLI '${command}' failed with exit code ${result.code}: ${result.stderr.trim()}`);
    }
    const arrival = await wait.arrival;
    return { totalMs: arrival - began, commandMs, afterCommandMs: arrival - began - commandMs };
  };

  const starts: Round[] = [];
  const stops: Round[] = [];
  for (let round = 0; round < roundCount; round += 1) {
    starts.push(await byHand('start', 'running'));
    stops.push(await byHand('stop', 'stopped'));
  }
  for (const [change, rounds] of [['start → running', starts], ['stop → stopped', stops]] as const) {
    const totals = rounds.map((round) => round.totalMs);
    recorder.add({ benchmark: BENCHMARK, metric: `${change}, median of ${roundCount}`, value: median(totals), unit: 'ms' });
    recorder.add({
      benchmark: BENCHMARK,
      metric: `${change}, p95 of ${roundCount}`,
      value: percentile(totals, 0.95),
      unit: 'ms',
      note: `nearest rank, so with ${roundCount} rounds the slowest; the CLI command itself took median ${median(rounds.map((round) => round.commandMs)).toFixed(0)} ms of it`,
    });
    recorder.add({
      benchmark: BENCHMARK,
      metric: `${change}, p95 from the CLI command's exit to the delta`,
      value: percentile(rounds.map((round) => round.afterCommandMs), 0.95),
      unit: 'ms',
      // The change has happened on the host when the command returns (a stop includes the guest's own shutdown).
      target: { comparison: '<=', limit: P95_TARGET_MS },
      note: 'the agent\'s state watcher and the core alone; negative when the fleet state showed the change before the command returned',
    });
  }
}

async function removeGuest(core: FleetCore): Promise<void> {
  await untilNotBusy(() => core.invoke('guest.stop', { host: HOST, guest: GUEST }), [ERROR_CODES.notRunning]);
  await untilNotBusy(() => core.invoke('guest.delete', { host: HOST, guest: GUEST }), []);
}

/** Retries while another agent process holds the guest's lock; the listed error codes count as done. */
async function untilNotBusy(action: () => Promise<unknown>, harmless: number[]): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await action();
      return;
    } catch (error) {
      if (error instanceof AgentCallError && harmless.includes(error.code)) return;
      if (!(error instanceof AgentCallError && error.code === ERROR_CODES.busy) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
