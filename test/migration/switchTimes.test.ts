// Where a migration's downtime goes: a busybox guest of about 200 MB serving HTTP, its own writer
// changing a file every 50 ms (a small change during pre-copy), moved between lab-1 and lab-2
// three times in stop mode and three times in freeze mode while a client on lab-3 fetches its URL
// every 20 ms. Each move prints the client-observed downtime (the longest gap between answers),
// the core's downtime and each switch phase's length from the journal's progress (stop or freeze,
// final sync, arrival, start, verification); the medians close the file. Figures are reported,
// never asserted. Lab `migr` on 10.213.142.0/24.
import { loadavg } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetDelta } from '../../shared/api/fleetState';
import type { MigrationMode, MigrationProgress } from '../../shared/api/migration';
import type { Lab } from '../lab/lab';
import { closeCoreAndLab, type CoreHandle } from '../core/support/coreOnLab';
import { longestGapMs, startClient } from './support/downtime';
import { labWithBusyboxGuest, migrationFaults } from './support/migrationFaults';

const LAB = { name: 'migr', subnet: '10.213.142.0/24', hosts: 3 };
const GUEST = 'timed';
const GUEST_IP = '10.213.142.131';
const URL = `http://${GUEST_IP}/index.html`;
const RUNS = 3;
/**
 * The switch's steps in order: the preparation before the source stops (its marker; in stop mode the
 * source's flush), the stop or freeze (reported when the core's downtime begins), the final sync, the
 * arrival, the start and the verification the coordinator reports within 'started'; each lasts until
 * the next one's start, the verification until the core's downtime ends (what the announcement's
 * arpings wait afterwards is no downtime). The preparation is outside the downtime. The arrival and
 * the start are one call on the target: 'started' is dated when its start began there.
 */
const SWITCH = ['switching', 'stop', 'finalSync', 'arrived', 'started', 'verifying'] as const;
/** Progress messages that begin a step of their own. */
const STEP_MESSAGES: Record<string, string> = { stopping: 'stop', freezing: 'stop', verifying: 'verifying' };

/** Besides the HTTP service and its bulk data (labWithBusyboxGuest). */
const EXTRA_SETUP = `
mkdir -p var
printf '#!/bin/sh\\n[ "$1" = start ] && (while :; do date +%%s%%N > /var/counter; usleep 50000; done) &\\nexit 0\\n' > etc/init.d/S60counter
chmod 755 etc/init.d/S60counter
`;

interface Figures {
  clientMs: number;
  coreMs: number;
  phases: Record<string, number>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Each switch step's length in ms, from the first progress of each step. */
function phaseLengths(progress: MigrationProgress[], downtimeMs: number): Record<string, number> {
  const firsts = new Map<string, number>();
  for (const entry of progress) {
    const step = STEP_MESSAGES[entry.message ?? ''] ?? entry.phase;
    if (!firsts.has(step)) firsts.set(step, entry.time);
  }
  const lengths: Record<string, number> = {};
  const stopped = firsts.get('stop');
  if (stopped !== undefined) firsts.set('down', stopped + downtimeMs);
  SWITCH.forEach((phase, index) => {
    const start = firsts.get(phase);
    const end = firsts.get(SWITCH[index + 1] ?? 'down');
    if (start !== undefined && end !== undefined) lengths[phase] = end - start;
  });
  return lengths;
}

describe('a migration\'s downtime, phase by phase', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  const measured: Record<MigrationMode, Figures[]> = { stop: [], freeze: [] };
  const { waitForAnswer } = migrationFaults({ lab: () => lab, handle: () => handle!, setHandle: (next) => { handle = next; }, guest: GUEST, url: URL, body: 'timed\n', hosts: ['lab-1', 'lab-2', 'lab-3'] });

  beforeAll(async () => {
    ({ lab, handle } = await labWithBusyboxGuest({ lab: LAB, guest: GUEST, xid: 431, ip: GUEST_IP, body: 'timed\n', bulkMiB: 200, extra: EXTRA_SETUP }));
    await waitForAnswer('lab-3');
  });

  afterAll(async () => {
    for (const mode of ['stop', 'freeze'] as const) {
      const runs = measured[mode];
      if (runs.length === 0) continue;
      const phases = SWITCH.map((phase) => `${phase} ${median(runs.map((run) => run.phases[phase] ?? 0))} ms`).join(', ');
      console.log(`${mode} mode, medians of ${runs.length}: client-observed ${median(runs.map((run) => run.clientMs))} ms ` +
        `(runs ${runs.map((run) => run.clientMs).join(', ')}), core-measured ${median(runs.map((run) => run.coreMs))} ms; ${phases}`);
    }
    await closeCoreAndLab(handle, LAB.name);
  });

  for (const mode of ['stop', 'freeze'] as const) {
    it(`${mode} mode, ${RUNS} moves between lab-1 and lab-2`, async () => {
      const core = handle!.core;
      for (let run = 0; run < RUNS; run += 1) {
        const [from, to] = (measured.stop.length + measured.freeze.length) % 2 === 0 ? ['lab-1', 'lab-2'] : ['lab-2', 'lab-1'];
        const client = await startClient(lab, 'lab-3', URL);
        const progress: MigrationProgress[] = [];
        const unsubscribe = core.subscribe((delta: FleetDelta) => { if (delta.type === 'migration') progress.push(delta.progress); });
        const result = await core.invoke('guest.migrate', { host: from!, guest: GUEST, to: to!, mode, verifyPort: 80, keepSource: false }).finally(unsubscribe);
        await client.answeredAgain();
        const figures = { clientMs: longestGapMs(client.stop()), coreMs: result.downtimeMs ?? 0, phases: phaseLengths(progress, result.downtimeMs ?? 0) };
        measured[mode].push(figures);
        console.log(`${mode} ${from} -> ${to}: client-observed ${figures.clientMs} ms, core-measured ${figures.coreMs} ms; ` +
          `${Object.entries(figures.phases).map(([phase, ms]) => `${phase} ${ms} ms`).join(', ')}; ${result.rounds} rounds; machine load ${loadavg()[0]?.toFixed(1)}` +
          // The target's own figures of its arrival and start (one call), from the 'started' progress.
          `${progress.filter((entry) => entry.message?.startsWith('arrived in')).map((entry) => `; target: ${entry.message}`).join('')}`);
        expect(result).toMatchObject({ outcome: 'done', to, mode });
      }
    }, 600_000);
  }
});
