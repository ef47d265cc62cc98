// The report of one bench run, as latest.json holds it (its schema, which the short bench's test
// checks) and as latest.md shows it: the command that made it, the machine, every figure with its
// verdict, and the failures.
import os from 'node:os';
import { z } from 'zod';
import { meetsTarget, peerRatio } from './benchFigure';
import type { BenchRecorder } from './benchRecorder';
import { markdownTable } from './resultTable';

const targetSchema = z.object({ comparison: z.enum(['<=', '<', '>=']), limit: z.number() }).strict();

export const benchReportSchema = z.object({
  command: z.string().min(1),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  machine: z.object({
    cpus: z.number().int().positive(), cpuModel: z.string(), memoryBytes: z.number().positive(), kernel: z.string(), node: z.string(),
    /** The 1-minute load average when the run began and when it ended: the machine is shared, and a busy one slows every figure. */
    loadAtStart: z.number().nonnegative(), loadAtEnd: z.number().nonnegative(),
  }).strict(),
  plan: z.record(z.string(), z.unknown()),
  /** False while the run goes on (the files are rewritten after each figure) or when it was cut short. */
  complete: z.boolean(),
  passed: z.boolean(),
  figures: z.array(z.object({
    benchmark: z.string().min(1),
    metric: z.string().min(1),
    value: z.number(),
    unit: z.string(),
    spread: z.object({ min: z.number(), max: z.number(), runs: z.number().int().positive() }).strict().optional(),
    peer: z.object({ name: z.string().min(1), value: z.number() }).strict().optional(),
    ratio: z.number().optional(),
    target: targetSchema.optional(),
    ratioTarget: targetSchema.optional(),
    betterWhen: z.literal('higher').optional(),
    note: z.string().optional(),
    passed: z.boolean(),
  }).strict()),
  failures: z.array(z.object({ benchmark: z.string().min(1), error: z.string() }).strict()),
}).strict();
export type BenchReport = z.infer<typeof benchReportSchema>;

export function benchReport(recorder: BenchRecorder, run: { command: string; startedAt: Date; loadAtStart: number; plan: object; complete: boolean }): BenchReport {
  const cpus = os.cpus();
  return {
    command: run.command,
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { cpus: cpus.length, cpuModel: cpus[0]?.model.trim() ?? 'unknown', memoryBytes: os.totalmem(), kernel: os.release(), node: process.version, loadAtStart: run.loadAtStart, loadAtEnd: os.loadavg()[0] ?? 0 },
    plan: { ...run.plan },
    complete: run.complete,
    passed: run.complete && recorder.passed(),
    figures: recorder.figures.map((figure) => {
      const ratio = peerRatio(figure);
      return { ...figure, ...(ratio !== undefined ? { ratio } : {}), passed: meetsTarget(figure) };
    }),
    failures: recorder.failures,
  };
}

export function reportMarkdown(report: BenchReport): string {
  const { machine } = report;
  return [
    '# vfleet bench report',
    '',
    `Made by \`${report.command}\` (as root), ${report.startedAt} to ${report.finishedAt}.`,
    '',
    `Machine: ${machine.cpus} cores (${machine.cpuModel}), ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB memory, kernel ${machine.kernel}, Node ${machine.node}; load average ${machine.loadAtStart.toFixed(1)} at the start, ${machine.loadAtEnd.toFixed(1)} at the end (the machine is shared).`,
    '',
    `Result: ${!report.complete ? 'INCOMPLETE (the run was still going or was cut short)' : report.passed ? 'every goal met' : 'goals missed (rows with "NO", or benchmarks that did not complete)'}. Ratios are how many times better vfleet is: the peer's median over vfleet's (how many times faster), or vfleet's over the peer's for a rate.`,
    '',
    markdownTable(report.figures, report.failures),
    '',
  ].join('\n');
}
