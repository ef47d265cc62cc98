// The short bench (`npm run bench -- --short`) end to end, so the benchmarks cannot rot: it runs on
// real labs (bench20, benchsample, benchmig, benchui) and must produce latest.json (valid against the report schema,
// every benchmark with figures) and latest.md (the table). Its times are not asserted: with one
// small size and few repetitions they prove nothing.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labDown } from '../lab/lab';
import { benchReportSchema, type BenchReport } from './report/benchReport';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');
const BENCHMARKS = [
  'agent bundle', 'lab of 20 hosts', 'fleet onboarding', 'external-change latency', 'agent RPC', 'faults',
  'fleet at scale', 'core memory', 'agent sampling overhead', 'health history memory', 'migration', 'UI with 1,000 guests',
];
/** A peer tool that cannot be installed (no package mirror) or run is reported, not hidden; nothing else may fail. */
const isPeerFailure = (benchmark: string): boolean => benchmark.startsWith('fleet at scale: peer');

let outDir: string | undefined;

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
  // The bench removes its labs itself; these only matter after a crash.
  await labDown({ name: 'bench20' });
  await labDown({ name: 'benchsample' });
  await labDown({ name: 'benchmig' });
  await labDown({ name: 'benchui' });
});

function runShortBench(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/run.ts', '--short', '--out', out], { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: Buffer.concat(output).toString('utf8') }));
  });
}

describe('npm run bench -- --short', () => {
  it('measures every benchmark and writes a well-formed report in JSON and Markdown', async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'vfleet-bench-short-'));
    const { code, output } = await runShortBench(outDir);
    // 0: every goal met, 1: some missed; a usage error (2) or an interruption (130) is a failure.
    expect([0, 1], output).toContain(code);

    const report: BenchReport = benchReportSchema.parse(JSON.parse(await readFile(path.join(outDir, 'latest.json'), 'utf8')));
    expect(report.command).toBe('npm run bench -- --short --out ' + outDir);
    expect(report.failures.filter((failure) => !isPeerFailure(failure.benchmark)), output).toEqual([]);
    for (const benchmark of BENCHMARKS) expect(report.figures.some((figure) => figure.benchmark === benchmark), `${benchmark} has no figure`).toBe(true);
    for (const figure of report.figures) expect(Number.isFinite(figure.value), `${figure.benchmark} / ${figure.metric}`).toBe(true);
    expect(report.complete).toBe(true);
    expect(report.passed).toBe(code === 0);
    if (!report.failures.some((failure) => isPeerFailure(failure.benchmark))) {
      expect(report.figures.filter((figure) => figure.peer).length).toBeGreaterThanOrEqual(3);
    }

    const markdown = await readFile(path.join(outDir, 'latest.md'), 'utf8');
    expect(markdown).toContain('| benchmark | metric | median | min | max | peer | ratio | goal | met |');
    expect(markdown).toContain(`${report.machine.cpus} cores`);
    const rows = markdown.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| benchmark') && !line.startsWith('| ---'));
    expect(rows).toHaveLength(report.figures.length + report.failures.length);
  }, 600_000);
});
