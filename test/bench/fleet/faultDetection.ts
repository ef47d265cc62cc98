// Faults seen by the fleet core: how long after `lab cut` a host shows unreachable (ssh2's
// keepalive must notice), and how long after `heal` it is connected and resynchronised again.
import { FAST_CONNECTIONS } from '../../core/support/coreOnLab';
import type { BenchRecorder } from '../report/benchRecorder';
import type { BenchFleet } from './benchFleet';
import { watchForDelta } from './deltaWatch';

const HOST = 'lab-2';
const HEAL_TARGET_MS = 30_000;
const DETECTION_SLACK_MS = 2_000;
const BENCHMARK = 'faults';

export async function benchFaults(recorder: BenchRecorder, fleet: BenchFleet): Promise<void> {
  const { core, lab } = fleet;
  const intervalMs = FAST_CONNECTIONS?.keepaliveIntervalMs;
  const countMax = FAST_CONNECTIONS?.keepaliveCountMax;
  if (intervalMs === undefined || countMax === undefined) throw new Error('the bench core has no keepalive settings to derive the detection window from');
  // ssh2 gives up after countMax unanswered keepalives, one interval apart, plus the interval before the first.
  const keepaliveWindowMs = intervalMs * (countMax + 1);

  const unreachable = watchForDelta(core, `${HOST} unreachable after the cut`, (delta) =>
    delta.type === 'host' && delta.host.name === HOST && delta.host.connection === 'unreachable', keepaliveWindowMs + 30_000);
  const cutBegan = performance.now();
  await lab.cut(HOST).catch((error: unknown) => {
    unreachable.cancel();
    throw error;
  });
  recorder.add({
    benchmark: BENCHMARK,
    metric: `cut → ${HOST} shown unreachable`,
    value: (await unreachable.arrival) - cutBegan,
    unit: 'ms',
    target: { comparison: '<=', limit: keepaliveWindowMs + DETECTION_SLACK_MS },
    note: `keepalive every ${intervalMs} ms, ${countMax} unanswered allowed: window ${keepaliveWindowMs} ms, target window + ${DETECTION_SLACK_MS} ms`,
  });

  const healedAtWallClock = Date.now();
  const resynced = watchForDelta(core, `${HOST} connected and resynchronised after the heal`, (delta) =>
    delta.type === 'host' && delta.host.name === HOST && delta.host.connection === 'connected' && (delta.host.syncedAt ?? 0) >= healedAtWallClock, HEAL_TARGET_MS + 30_000);
  const healBegan = performance.now();
  await lab.heal(HOST).catch((error: unknown) => {
    resynced.cancel();
    throw error;
  });
  recorder.add({
    benchmark: BENCHMARK,
    metric: `heal → ${HOST} reconnected and resynchronised`,
    value: (await resynced.arrival) - healBegan,
    unit: 'ms',
    target: { comparison: '<=', limit: HEAL_TARGET_MS },
    note: 'includes the wait for the next reconnect attempt of the backoff',
  });
}
