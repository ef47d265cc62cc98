// `npm run bench`: measures the project's speed and memory targets on real lab hosts and a real
// fleet core, prints one table, writes the results as JSON to the temp folder, and exits 1 when a
// target is missed or a benchmark could not complete. Root only (the lab needs it).
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchAgentBundle } from './agent/bundleSize';
import { benchAgentRpc } from './agent/rpcThroughput';
import { benchSamplingOverhead } from './agent/samplingOverhead';
import { CleanupStack } from './benchCleanup';
import { startBenchFleet } from './fleet/benchFleet';
import { benchExternalChange } from './fleet/externalChange';
import { benchFaults } from './fleet/faultDetection';
import { benchLabScale } from './lab/labScale';
import { benchHealthHistoryMemory } from './memory/runHealthHistoryMemory';
import { meetsTarget } from './report/benchFigure';
import { BenchRecorder } from './report/benchRecorder';
import { resultTable } from './report/resultTable';

const RESULTS_FILE = path.join(os.tmpdir(), 'vfleet-bench', 'latest.json');
const FLEET_BENCHMARKS = ['external-change latency', 'agent RPC', 'faults'];

async function runBenchmarks(recorder: BenchRecorder, cleanup: CleanupStack): Promise<void> {
  const bundlePath = await recorder.attempt('agent bundle', () => benchAgentBundle(recorder, cleanup));
  await recorder.attempt('lab of 20 hosts', () => benchLabScale(recorder, cleanup));
  const fleet = await recorder.attempt('fleet onboarding', () => startBenchFleet(recorder, cleanup, bundlePath));
  if (fleet) {
    await recorder.attempt('external-change latency', () => benchExternalChange(recorder, cleanup, fleet));
    await recorder.attempt('agent RPC', () => benchAgentRpc(recorder, cleanup, fleet));
    await recorder.attempt('faults', () => benchFaults(recorder, fleet));
  } else if (!recorder.halted) {
    for (const benchmark of FLEET_BENCHMARKS) recorder.fail(benchmark, 'not run: the 3-host lab and its fleet core did not come up (see fleet onboarding)');
  }
  // The labs go before the agent overhead and memory benchmarks, so each has the CPU to itself.
  await cleanup.runAll();
  if (bundlePath) await recorder.attempt('agent sampling overhead', () => benchSamplingOverhead(recorder, cleanup, bundlePath));
  await cleanup.runAll();
  await recorder.attempt('health history memory', () => benchHealthHistoryMemory(recorder, cleanup));
}

async function writeResults(recorder: BenchRecorder, startedAt: Date): Promise<void> {
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, kernel: os.release(), node: process.version },
    passed: recorder.passed(),
    figures: recorder.figures.map((figure) => ({ ...figure, passed: meetsTarget(figure) })),
    failures: recorder.failures,
  };
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error('npm run bench needs root: the lab makes network namespaces, cgroups and mounts');
    return 2;
  }
  const startedAt = new Date();
  const recorder = new BenchRecorder();
  const cleanup = new CleanupStack();
  const interrupted = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: cleaning up before exit`);
    recorder.halt();
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await runBenchmarks(recorder, cleanup);
  } finally {
    await cleanup.runAll();
  }
  if (recorder.halted) return 130;
  const elapsedS = (Date.now() - startedAt.getTime()) / 1000;
  console.log(`\n${resultTable(recorder.figures, recorder.failures)}\n`);
  await writeResults(recorder, startedAt);
  console.log(`Results: ${RESULTS_FILE}`);
  console.log(`${recorder.passed() ? 'Every target met' : 'TARGETS MISSED'} (bench took ${elapsedS.toFixed(0)} s)`);
  return recorder.passed() ? 0 : 1;
}

process.exitCode = await main();
