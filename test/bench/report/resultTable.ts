// The end-of-run table: every figure against its target, then every benchmark that failed.
import { meetsTarget, type BenchFailure, type BenchFigure } from './benchFigure';

const DECIMALS: Record<string, number> = { s: 2, ms: 0, KiB: 1, MiB: 1, '%': 1, 'req/s': 0 };

export function formatNumber(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  const decimals = DECIMALS[unit] ?? (Number.isInteger(value) ? 0 : 2);
  return value.toFixed(decimals);
}

export function formatFigureValue(figure: BenchFigure): string {
  return `${formatNumber(figure.value, figure.unit)} ${figure.unit}`.trim();
}

export function formatTarget(figure: BenchFigure): string {
  if (!figure.target) return '-';
  return `${figure.target.comparison} ${formatNumber(figure.target.limit, figure.unit)} ${figure.unit}`.trim();
}

function verdictOf(figure: BenchFigure): string {
  if (!figure.target) return 'info';
  return meetsTarget(figure) ? 'ok' : 'MISSED';
}

export function resultTable(figures: readonly BenchFigure[], failures: readonly BenchFailure[]): string {
  const header = ['benchmark', 'metric', 'measured', 'target', 'result'];
  const rows = figures.map((figure) => [figure.benchmark, figure.metric, formatFigureValue(figure), formatTarget(figure), verdictOf(figure)]);
  for (const failure of failures) rows.push([failure.benchmark, 'did not complete', '-', '-', 'FAILED']);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('-+-');
  const notes = figures.filter((figure) => figure.note).map((figure) => `  ${figure.benchmark} / ${figure.metric}: ${figure.note}`);
  const causes = failures.map((failure) => `  ${failure.benchmark}: ${failure.error}`);
  return [
    line(header), rule, ...rows.map(line),
    ...(notes.length > 0 ? ['', 'Notes:', ...notes] : []),
    ...(causes.length > 0 ? ['', 'Failures:', ...causes] : []),
  ].join('\n');
}
