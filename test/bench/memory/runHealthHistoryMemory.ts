// Runs the health-history memory benchmark in a child Node with --expose-gc, so its heap holds
// nothing but the fleet state, and turns its report into figures.
import path from 'node:path';
import { DEFAULT_HISTORY_LIMITS } from '../../../electron/core/inventory/healthHistory';
import type { CleanupStack } from '../benchCleanup';
import type { BenchRecorder } from '../report/benchRecorder';
import type { HealthMemoryReport } from './healthHistoryFeed';
import { runReportingChild } from './reportingChild';

const ENTRY = path.join(import.meta.dirname, 'healthHistoryMain.ts');
const TARGET_HOURS = 24;
/** Hours simulated past the 24 h aggregate window: a bounded history must stop growing there. */
const PAST_WINDOW_HOURS = 2;
const RETAINED_TARGET_MIB = 64;
const GROWTH_TARGET_PERCENT = 10;
const MIB = 1024 * 1024;
const BENCHMARK = 'health history memory';

/** The full bench simulates 26 hours; a shorter run (the short bench's) reports what it reached, without the growth figures. */
export const HEALTH_HISTORY_HOURS = TARGET_HOURS + PAST_WINDOW_HOURS;

export async function benchHealthHistoryMemory(recorder: BenchRecorder, cleanup: CleanupStack, hours = HEALTH_HISTORY_HOURS): Promise<void> {
  const report = await runReportingChild<HealthMemoryReport>(cleanup, 'memory benchmark', ENTRY, [String(hours)]);
  const full = hours >= HEALTH_HISTORY_HOURS;
  const reached = Math.min(TARGET_HOURS, hours);
  const retainedAt = (hour: number): number => {
    const bytes = report.retainedBytesByHour[hour - 1];
    if (bytes === undefined) throw new Error(`the memory benchmark reported no heap figure for simulated hour ${hour}`);
    return bytes;
  };
  const growthPercent = (from: number, to: number): number => ((retainedAt(to) - retainedAt(from)) / retainedAt(from)) * 100;
  const scope = `${report.hosts} hosts × ${report.guestsPerHost} guests at 1 Hz`;
  recorder.add({
    benchmark: BENCHMARK,
    metric: `retained memory after ${reached} h simulated (${scope})`,
    value: retainedAt(reached) / MIB,
    unit: 'MiB',
    target: { comparison: '<=', limit: RETAINED_TARGET_MIB },
    note: `heap used plus ArrayBuffer memory after full GC, minus before the state was made; hourly: ${report.retainedBytesByHour.map((bytes) => (bytes / MIB).toFixed(1)).join(' ')} MiB`,
  });
  if (full) recorder.add({
    benchmark: BENCHMARK,
    metric: `growth from simulated hour 12 to ${TARGET_HOURS}`,
    value: growthPercent(12, TARGET_HOURS),
    unit: '%',
    note: `the minute aggregates are kept for ${DEFAULT_HISTORY_LIMITS.minutes / 60} h, so they fill until hour ${DEFAULT_HISTORY_LIMITS.minutes / 60}`,
  });
  if (full) recorder.add({
    benchmark: BENCHMARK,
    metric: `growth from simulated hour ${TARGET_HOURS} to ${TARGET_HOURS + PAST_WINDOW_HOURS} (past the aggregate window)`,
    value: growthPercent(TARGET_HOURS, TARGET_HOURS + PAST_WINDOW_HOURS),
    unit: '%',
    // Bounded means no growth once every window is full; before that the day of aggregates fills up.
    target: { comparison: '<=', limit: GROWTH_TARGET_PERCENT },
  });
  recorder.add({
    benchmark: BENCHMARK,
    metric: 'live points kept per guest at the end',
    value: report.liveWindowLength,
    unit: 'points',
    note: `limit ${DEFAULT_HISTORY_LIMITS.liveSeconds} (1 s resolution)`,
  });
  recorder.add({
    benchmark: BENCHMARK,
    metric: 'minute aggregates kept per guest at the end',
    value: report.minuteAggregates,
    unit: 'minutes',
    note: `limit ${DEFAULT_HISTORY_LIMITS.minutes}, plus the minute in progress`,
  });
  recorder.add({ benchmark: BENCHMARK, metric: 'ingest cost per host sample (10 guests)', value: (report.ingestMs * 1000) / report.samplesIngested, unit: 'µs' });
}
