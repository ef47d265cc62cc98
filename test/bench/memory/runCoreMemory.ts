// Core memory with a large fleet: every host of the scale lab given `guestsPerHost` running guests
// (20 × 50 = 1,000 in the full bench), then a fleet core in a child process (coreMemoryMain.ts)
// connected to all of them for the chosen duration: its RSS at the end, and its growth from the
// first third of the run (connected, every history window allocated) to the end.
import path from 'node:path';
import type { CleanupStack } from '../benchCleanup';
import { buildGuests, connectedCore, SCALE_FLEET_LAB } from '../fleet/fleetScale';
import type { Lab } from '../../lab/lab';
import type { BenchRecorder } from '../report/benchRecorder';
import type { CoreMemoryReport } from './coreMemoryReport';
import { bundleEntry, runReportingChild } from './reportingChild';

const ENTRY = path.join(import.meta.dirname, 'coreMemoryMain.ts');
const RSS_GOAL_MB = 200;
/** "No growth once steady", allowing for where a collection happens to leave the heap. */
const GROWTH_GOAL_PERCENT = 5;
const MB = 1e6;
const BENCHMARK = 'core memory';

export interface CoreMemoryOptions {
  guestsPerHost: number;
  /** Guests already on each host (g1..g<built>), from the scale benchmark. */
  built: number;
  seconds: number;
}

export async function benchCoreMemory(recorder: BenchRecorder, cleanup: CleanupStack, lab: Lab, bundlePath: string, options: CoreMemoryOptions): Promise<void> {
  if (lab.name !== SCALE_FLEET_LAB.name) throw new Error(`the core memory benchmark runs on lab ${SCALE_FLEET_LAB.name}, not ${lab.name}`);
  if (options.guestsPerHost > options.built) {
    const builder = await connectedCore(cleanup, lab, bundlePath);
    await buildGuests(builder.core, lab.hosts.map((host) => host.name), options.built + 1, options.guestsPerHost);
    await builder.close();
  }
  // Bundled ahead of time, as the app's main process is: tsx's loader would weigh 40 MB and more of its own.
  const entry = await bundleEntry(cleanup, ENTRY);
  const report = await runReportingChild<CoreMemoryReport>(cleanup, 'core memory', entry, [lab.name, String(options.guestsPerHost), String(options.seconds), bundlePath]);
  const first = report.points[0];
  const steady = report.points[Math.floor(report.points.length / 3)];
  const last = report.points.at(-1);
  if (!first || !steady || !last) throw new Error('the core memory process reported no weights');
  const scope = `${report.hosts} hosts, ${report.guests} running guests, 1 Hz health, ${Math.round(report.seconds)} s`;
  const rssTrail = report.points.map((point) => (point.rssBytes / MB).toFixed(0)).join(' ');
  recorder.add({
    benchmark: BENCHMARK,
    metric: `core RSS at the end (${scope})`,
    value: last.rssBytes / MB,
    unit: 'MB',
    target: { comparison: '<', limit: RSS_GOAL_MB },
    note: `RSS every ${Math.round(report.seconds / 10)} s: ${rssTrail} MB${report.seconds < 600 ? `; the goal's run is 600 s, this one ran ${Math.round(report.seconds)} s` : ''}`,
  });
  recorder.add({
    benchmark: BENCHMARK,
    metric: `core heap growth after full GC from ${Math.round(steady.atSeconds)} s to the end`,
    value: ((last.heapUsedBytes - steady.heapUsedBytes) / steady.heapUsedBytes) * 100,
    unit: '%',
    target: { comparison: '<=', limit: GROWTH_GOAL_PERCENT },
    note: `heap plus ArrayBuffers after full GC: ${(steady.heapUsedBytes / MB).toFixed(1)} MB then ${(last.heapUsedBytes / MB).toFixed(1)} MB; RSS ${(steady.rssBytes / MB).toFixed(0)} MB then ${(last.rssBytes / MB).toFixed(0)} MB; at the end ${breakdownText(report.breakdown)}`,
  });
}

/** The end's weights in MB: the V8 heap (used of total, by its largest spaces), ArrayBuffers (the history's columns), other external memory. */
function breakdownText(breakdown: CoreMemoryReport['breakdown']): string {
  const mb = (bytes: number): string => (bytes / MB).toFixed(1);
  const spaces = Object.entries(breakdown.spaces).sort(([, a], [, b]) => b - a).slice(0, 4).map(([name, bytes]) => `${name.replace(/_space$/, '')} ${mb(bytes)}`).join(', ');
  return `heap ${mb(breakdown.heapUsedBytes)} of ${mb(breakdown.heapTotalBytes)} MB (${spaces}), ArrayBuffers ${mb(breakdown.arrayBuffersBytes)} MB, other external ${mb(breakdown.externalBytes - breakdown.arrayBuffersBytes)} MB`;
}
