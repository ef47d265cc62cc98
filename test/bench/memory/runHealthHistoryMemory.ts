// Runs the health-history memory benchmark in a child Node with --expose-gc, so its heap holds
// nothing but the fleet state, and turns its report into figures.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { DEFAULT_HISTORY_LIMITS } from '../../../electron/core/inventory/healthHistory';
import type { CleanupStack } from '../benchCleanup';
import type { BenchRecorder } from '../report/benchRecorder';
import type { HealthMemoryReport } from './healthHistoryFeed';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..', '..');
const ENTRY = path.join(import.meta.dirname, 'healthHistoryMain.ts');
const TARGET_HOURS = 24;
/** Hours simulated past the 24 h aggregate window: a bounded history must stop growing there. */
const PAST_WINDOW_HOURS = 2;
const RETAINED_TARGET_MIB = 64;
const GROWTH_TARGET_PERCENT = 10;
const MIB = 1024 * 1024;
const BENCHMARK = 'health history memory';

export async function benchHealthHistoryMemory(recorder: BenchRecorder, cleanup: CleanupStack): Promise<void> {
  const report = await runChild(cleanup, TARGET_HOURS + PAST_WINDOW_HOURS);
  const retainedAt = (hour: number): number => {
    const bytes = report.retainedBytesByHour[hour - 1];
    if (bytes === undefined) throw new Error(`the memory benchmark reported no heap figure for simulated hour ${hour}`);
    return bytes;
  };
  const growthPercent = (from: number, to: number): number => ((retainedAt(to) - retainedAt(from)) / retainedAt(from)) * 100;
  const scope = `${report.hosts} hosts × ${report.guestsPerHost} guests at 1 Hz`;
  recorder.add({
    benchmark: BENCHMARK,
    metric: `retained memory after ${TARGET_HOURS} h simulated (${scope})`,
    value: retainedAt(TARGET_HOURS) / MIB,
    unit: 'MiB',
    target: { comparison: '<=', limit: RETAINED_TARGET_MIB },
    note: `heap used plus ArrayBuffer memory after full GC, minus before the state was made; hourly: ${report.retainedBytesByHour.map((bytes) => (bytes / MIB).toFixed(1)).join(' ')} MiB`,
  });
  recorder.add({
    benchmark: BENCHMARK,
    metric: `growth from simulated hour 12 to ${TARGET_HOURS}`,
    value: growthPercent(12, TARGET_HOURS),
    unit: '%',
    note: `the minute aggregates are kept for ${DEFAULT_HISTORY_LIMITS.minutes / 60} h, so they fill until hour ${DEFAULT_HISTORY_LIMITS.minutes / 60}`,
  });
  recorder.add({
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

function runChild(cleanup: CleanupStack, hours: number): Promise<HealthMemoryReport> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', ENTRY, String(hours)], { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'] });
  const stopChild = cleanup.add(`memory benchmark process ${child.pid ?? '?'}`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`cannot start the memory benchmark process: ${error.message}`)));
    child.on('close', (code, signal) => {
      void stopChild.run();
      if (code !== 0) {
        reject(new Error(`the memory benchmark process ended with ${signal ?? `exit code ${code}`}: ${Buffer.concat(stderr).toString('utf8').trim()}`));
        return;
      }
      const line = Buffer.concat(stdout).toString('utf8').trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as HealthMemoryReport);
      } catch {
        reject(new Error(`the memory benchmark process printed no report: ${line || Buffer.concat(stderr).toString('utf8').trim()}`));
      }
    });
  });
}
