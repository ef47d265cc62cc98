// `npm run bench [-- --short] [--memory-seconds S] [--out DIR]`: measures the project's speed and
// memory goals on real lab hosts and real fleet cores, against the tools admins use today where the
// goal names one, prints one table, writes it as Markdown and JSON (with the machine), and exits 1
// when a goal is missed or a benchmark could not complete. Root only (the lab needs it).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandHelp, lastValue, parseArgv, UsageError, type CommandSpec } from '../../shared/cli/argv';
import { benchAgentBundle } from './agent/bundleSize';
import { benchAgentRpc } from './agent/rpcThroughput';
import { benchSamplingOverhead, type SamplingOptions } from './agent/samplingOverhead';
import { CleanupStack } from './benchCleanup';
import { startBenchFleet } from './fleet/benchFleet';
import { benchExternalChange } from './fleet/externalChange';
import { benchFaults } from './fleet/faultDetection';
import { benchFleetScale, startScaleFleet, type FleetScaleOptions } from './fleet/fleetScale';
import type { Lab } from '../lab/lab';
import { benchLabScale } from './lab/labScale';
import { benchMigration, type MigrationBenchOptions } from './migration/migrationSideBySide';
import { benchUi, type UiBenchOptions } from './ui/uiScale';
import { benchCoreMemory } from './memory/runCoreMemory';
import { benchHealthHistoryMemory, HEALTH_HISTORY_HOURS } from './memory/runHealthHistoryMemory';
import { BenchRecorder } from './report/benchRecorder';
import { benchReport, reportMarkdown, type BenchReport } from './report/benchReport';
import { resultTable } from './report/resultTable';

const DEFAULT_OUT = path.join(os.tmpdir(), 'vfleet-bench');
const FLEET_BENCHMARKS = ['external-change latency', 'agent RPC', 'faults'];

/** The benchmarks --only can run without the others, by the name the option takes. */
const ALONE = {
  sampling: 'agent sampling overhead',
  fleet: 'fleet at scale',
  memory: 'core memory',
  migration: 'migration',
  ui: 'UI with 1,000 guests',
} as const;
type AloneName = keyof typeof ALONE;

const SPEC: CommandSpec = {
  name: 'bench --',
  summary: 'Measures vfleet\'s speed and memory goals on lab hosts (root only); writes latest.md and latest.json.',
  options: [
    { name: '--short', help: 'one fleet size, few repetitions, short windows: what CI runs so the bench cannot rot (its figures prove nothing)' },
    { name: '--memory-seconds', value: 'S', help: 'how long the core-memory benchmark keeps its fleet connected (default 600; 20 with --short)' },
    { name: '--ui-seconds', value: 'S', help: 'how long the UI benchmark keeps the guests view open under the 1 Hz feed (default 600; 20 with --short)' },
    { name: '--only', value: 'LIST', help: `run only these benchmarks, comma-separated (after the agent bundle they deploy): ${Object.keys(ALONE).join(', ')}` },
    { name: '--sizes', value: 'LIST', help: 'the fleet sizes (hosts) of fleet at scale, comma-separated; the largest is the lab\'s, for core memory too (default 5,10,20; 3 with --short)' },
    { name: '--out', value: 'DIR', help: `where latest.md and latest.json go (default ${DEFAULT_OUT})` },
    { name: '--help', help: 'show this help' },
  ],
};

export interface BenchPlan {
  short: boolean;
  labHosts: number;
  externalChangeRounds: number;
  rpcDurationMs: number;
  fleetScale: FleetScaleOptions;
  coreMemory: { guestsPerHost: number; seconds: number };
  sampling: SamplingOptions;
  healthHistoryHours: number;
  migration: MigrationBenchOptions;
  ui: UiBenchOptions;
}

const UI_FLEET = { hosts: 20, guestsPerHost: 50, recordHosts: 2 };

function planOf(short: boolean, memorySeconds: number | undefined, uiSeconds: number | undefined, sizes: number[] | undefined): BenchPlan {
  const plan = basePlan(short, memorySeconds, uiSeconds);
  return sizes ? { ...plan, fleetScale: { ...plan.fleetScale, sizes } } : plan;
}

function basePlan(short: boolean, memorySeconds: number | undefined, uiSeconds: number | undefined): BenchPlan {
  if (short) {
    return {
      short, labHosts: 3, externalChangeRounds: 3, rpcDurationMs: 500,
      fleetScale: { sizes: [3], guestsPerHost: 2, repetitions: 2 },
      coreMemory: { guestsPerHost: 3, seconds: memorySeconds ?? 20 },
      sampling: { guests: 5, calls: 20, windows: 1, windowSeconds: 5 },
      healthHistoryHours: 2,
      migration: { repetitions: 1, dataMiB: 20 },
      ui: { ...UI_FLEET, recordGuestsPerHost: 2, renders: 2, traceSeconds: 5, heapSeconds: uiSeconds ?? 20 },
    };
  }
  return {
    short, labHosts: 20, externalChangeRounds: 10, rpcDurationMs: 2_000,
    fleetScale: { sizes: [5, 10, 20], guestsPerHost: 10, repetitions: 5 },
    coreMemory: { guestsPerHost: 50, seconds: memorySeconds ?? 600 },
    sampling: { guests: 50, calls: 200, windows: 3, windowSeconds: 20 },
    healthHistoryHours: HEALTH_HISTORY_HOURS,
    migration: { repetitions: 3, dataMiB: 200 },
    ui: { ...UI_FLEET, recordGuestsPerHost: 5, renders: 5, traceSeconds: 20, heapSeconds: uiSeconds ?? 600 },
  };
}

/** `cleanup` runs between benchmarks (labs, cores); `lasting` holds what every benchmark uses (the bundle) until the end. */
async function runBenchmarks(plan: BenchPlan, recorder: BenchRecorder, cleanup: CleanupStack, lasting: CleanupStack, only: ReadonlySet<AloneName> | undefined): Promise<void> {
  const bundlePath = await recorder.attempt('agent bundle', () => benchAgentBundle(recorder, lasting));
  if (only !== undefined) {
    await runAtScale(plan, recorder, cleanup, bundlePath, only);
    await runLate(plan, recorder, cleanup, bundlePath, only);
    return;
  }
  await recorder.attempt('lab of 20 hosts', () => benchLabScale(recorder, cleanup, plan.labHosts));
  const fleet = await recorder.attempt('fleet onboarding', () => startBenchFleet(recorder, cleanup, bundlePath));
  if (fleet) {
    await recorder.attempt('external-change latency', () => benchExternalChange(recorder, cleanup, fleet, plan.externalChangeRounds));
    await recorder.attempt('agent RPC', () => benchAgentRpc(recorder, cleanup, fleet, plan.rpcDurationMs));
    await recorder.attempt('faults', () => benchFaults(recorder, fleet));
  } else if (!recorder.halted) {
    for (const benchmark of FLEET_BENCHMARKS) recorder.fail(benchmark, 'not run: the 3-host lab and its fleet core did not come up (see fleet onboarding)');
  }
  // Each lab goes before the next comes up (they share a name and subnet), and before the agent
  // overhead and memory benchmarks, so each has the CPU to itself.
  await cleanup.runAll();
  await runAtScale(plan, recorder, cleanup, bundlePath, undefined);
  await cleanup.runAll();
  await recorder.attempt('health history memory', () => benchHealthHistoryMemory(recorder, cleanup, plan.healthHistoryHours));
  await cleanup.runAll();
  await runLate(plan, recorder, cleanup, bundlePath, undefined);
}

/**
 * Fleet at scale and core memory on the scale lab (memory after fleet, on the lab it leaves up with
 * its guests), both or the one --only names; core memory alone brings the lab up with its guests itself.
 */
async function runAtScale(plan: BenchPlan, recorder: BenchRecorder, cleanup: CleanupStack, bundlePath: string | undefined, only: ReadonlySet<AloneName> | undefined): Promise<void> {
  const fleet = only === undefined || only.has('fleet');
  const memory = only === undefined || only.has('memory');
  if (!fleet && !memory) return;
  const hosts = Math.max(...plan.fleetScale.sizes);
  let scaleLab: Lab | undefined;
  let built = plan.fleetScale.guestsPerHost;
  if (fleet) {
    scaleLab = await recorder.attempt(ALONE.fleet, () => benchFleetScale(recorder, cleanup, bundlePath, plan.fleetScale));
  } else if (bundlePath) {
    built = plan.coreMemory.guestsPerHost;
    // The core that built the guests goes before the measured one connects.
    scaleLab = await recorder.attempt(ALONE.memory, async () => {
      const { lab, handle } = await startScaleFleet(cleanup, hosts, built, bundlePath);
      await handle.close();
      return lab;
    });
  }
  if (memory) {
    if (scaleLab && bundlePath) {
      const lab = scaleLab;
      await recorder.attempt(ALONE.memory, () => benchCoreMemory(recorder, cleanup, lab, bundlePath, { ...plan.coreMemory, built }));
    } else if (!recorder.halted) {
      recorder.fail(ALONE.memory, 'not run: the scale lab or the agent bundle is missing (see fleet at scale, agent bundle)');
    }
  }
  await cleanup.runAll();
}

/** The benchmarks that need the machine to themselves, each on its own lab (the agent's overhead first): all of them, or those --only names. */
async function runLate(plan: BenchPlan, recorder: BenchRecorder, cleanup: CleanupStack, bundlePath: string | undefined, only: ReadonlySet<AloneName> | undefined): Promise<void> {
  if (only === undefined || only.has('sampling')) {
    if (bundlePath) await recorder.attempt(ALONE.sampling, () => benchSamplingOverhead(recorder, cleanup, bundlePath, plan.sampling));
    else recorder.fail(ALONE.sampling, 'not run: the agent bundle did not build (see agent bundle)');
    await cleanup.runAll();
  }
  if (only === undefined || only.has('migration')) {
    if (bundlePath) await recorder.attempt(ALONE.migration, () => benchMigration(recorder, cleanup, bundlePath, plan.migration));
    else recorder.fail(ALONE.migration, 'not run: the agent bundle did not build (see agent bundle)');
    await cleanup.runAll();
  }
  if (only === undefined || only.has('ui')) {
    if (bundlePath) await recorder.attempt(ALONE.ui, () => benchUi(recorder, cleanup, bundlePath, plan.ui));
    else recorder.fail(ALONE.ui, 'not run: the agent bundle did not build (see agent bundle)');
    await cleanup.runAll();
  }
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgv(argv, SPEC);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n${commandHelp('npm run', SPEC)}`);
    return 2;
  }
  if (args.flags.has('help')) {
    process.stdout.write(commandHelp('npm run', SPEC));
    return 0;
  }
  const seconds = (option: string): number | undefined | 'invalid' => {
    const text = lastValue(args, option);
    const value = text === undefined ? undefined : Number(text);
    if (value === undefined || (Number.isInteger(value) && value >= 10)) return value;
    console.error(`bench: --${option} takes a whole number of seconds, at least 10, not '${text}'`);
    return 'invalid';
  };
  const memorySeconds = seconds('memory-seconds');
  const uiSeconds = seconds('ui-seconds');
  if (memorySeconds === 'invalid' || uiSeconds === 'invalid') return 2;
  if (process.getuid?.() !== 0) {
    console.error('npm run bench needs root: the lab makes network namespaces, cgroups and mounts');
    return 2;
  }
  const onlyText = lastValue(args, 'only');
  const onlyNames = onlyText?.split(',').map((name) => name.trim());
  const unknown = onlyNames?.find((name) => !Object.hasOwn(ALONE, name));
  if (onlyNames !== undefined && (unknown !== undefined || onlyNames.length === 0)) {
    console.error(`bench: --only takes some of ${Object.keys(ALONE).join(', ')}, comma-separated, not '${unknown ?? onlyText}'`);
    return 2;
  }
  const only = onlyNames ? new Set(onlyNames as AloneName[]) : undefined;
  const sizesText = lastValue(args, 'sizes');
  const sizes = sizesText?.split(',').map((size) => Number(size.trim()));
  if (sizes !== undefined && (sizes.length === 0 || sizes.some((size) => !Number.isInteger(size) || size < 1 || size > 50))) {
    console.error(`bench: --sizes takes whole numbers of hosts from 1 to 50, comma-separated, not '${sizesText}'`);
    return 2;
  }
  const outDir = path.resolve(lastValue(args, 'out') ?? DEFAULT_OUT);
  const plan = planOf(args.flags.has('short'), memorySeconds, uiSeconds, sizes);
  const startedAt = new Date();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const recorder = new BenchRecorder();
  const command = ['npm', 'run', 'bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
  const writeReport = (complete: boolean): BenchReport => {
    const report = benchReport(recorder, { command, startedAt, loadAtStart, plan, complete });
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(outDir, 'latest.md'), reportMarkdown(report));
    return report;
  };
  recorder.onChange = () => writeReport(false);
  const cleanup = new CleanupStack();
  const lasting = new CleanupStack();
  const cleanUpAll = (): Promise<void> => cleanup.runAll().finally(() => lasting.runAll());
  const interrupted = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: cleaning up before exit`);
    recorder.halt();
    void cleanUpAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await runBenchmarks(plan, recorder, cleanup, lasting, only);
  } finally {
    await cleanUpAll();
  }
  if (recorder.halted) return 130;
  const report = writeReport(true);
  console.log(`\n${resultTable(report.figures, report.failures)}\n`);
  console.log(`Report: ${path.join(outDir, 'latest.md')} and latest.json`);
  console.log(`${report.passed ? 'Every goal met' : 'GOALS MISSED'} (bench took ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s)`);
  return report.passed ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
