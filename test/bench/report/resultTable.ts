// The end-of-run report: every figure (median, min, max, the peer's figure, the ratio, the goal
// and whether it is met), then every benchmark that failed; as a terminal table
// (shared/format/textTable.ts) and as the same rows in Markdown.
import { textTable } from '../../../shared/format/textTable';
import { hasGoal, meetsTarget, peerRatio, type BenchFailure, type BenchFigure, type BenchTarget } from './benchFigure';

const DECIMALS: Record<string, number> = { s: 2, ms: 0, KiB: 1, MiB: 1, MB: 1, '%': 1, 'req/s': 0, 'MiB/s': 0, x: 1 };
const HEADER = ['benchmark', 'metric', 'median', 'min', 'max', 'peer', 'ratio', 'goal', 'met'];

export function formatNumber(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  const decimals = DECIMALS[unit] ?? (Number.isInteger(value) ? 0 : 2);
  return value.toFixed(decimals);
}

const withUnit = (value: number, unit: string): string => `${formatNumber(value, unit)} ${unit}`.trim();

export function formatFigureValue(figure: BenchFigure): string {
  return withUnit(figure.value, figure.unit);
}

const goalText = (target: BenchTarget, unit: string): string => `${target.comparison} ${withUnit(target.limit, unit)}`;

/** The figure's goals in words: on the value, and on the ratio to the peer ("x" times). */
export function formatTarget(figure: BenchFigure): string {
  const goals = [
    ...(figure.target ? [goalText(figure.target, figure.unit)] : []),
    ...(figure.ratioTarget ? [`${figure.ratioTarget.comparison} ${formatNumber(figure.ratioTarget.limit, 'x')}x the peer`] : []),
  ];
  return goals.length > 0 ? goals.join(', ') : '-';
}

export function verdictOf(figure: BenchFigure): string {
  if (!hasGoal(figure)) return 'info';
  return meetsTarget(figure) ? 'yes' : 'NO';
}

/** One report row per figure, in HEADER's order. */
export function figureRow(figure: BenchFigure): string[] {
  const ratio = peerRatio(figure);
  return [
    figure.benchmark,
    figure.metric,
    formatFigureValue(figure),
    figure.spread ? withUnit(figure.spread.min, figure.unit) : '-',
    figure.spread ? withUnit(figure.spread.max, figure.unit) : '-',
    figure.peer ? `${withUnit(figure.peer.value, figure.unit)} (${figure.peer.name})` : '-',
    ratio === undefined ? '-' : `${ratio.toFixed(1)}x`,
    formatTarget(figure),
    verdictOf(figure),
  ];
}

function rowsOf(figures: readonly BenchFigure[], failures: readonly BenchFailure[]): string[][] {
  return [...figures.map(figureRow), ...failures.map((failure) => [failure.benchmark, 'did not complete', '-', '-', '-', '-', '-', '-', 'FAILED'])];
}

function notesOf(figures: readonly BenchFigure[], failures: readonly BenchFailure[]): { notes: string[]; causes: string[] } {
  return {
    notes: figures.filter((figure) => figure.note).map((figure) => `${figure.benchmark} / ${figure.metric}: ${figure.note}`),
    causes: failures.map((failure) => `${failure.benchmark}: ${failure.error}`),
  };
}

export function resultTable(figures: readonly BenchFigure[], failures: readonly BenchFailure[]): string {
  const { notes, causes } = notesOf(figures, failures);
  return [
    textTable(HEADER, rowsOf(figures, failures)).trimEnd(),
    ...(notes.length > 0 ? ['', 'Notes:', ...notes.map((note) => `  ${note}`)] : []),
    ...(causes.length > 0 ? ['', 'Failures:', ...causes.map((cause) => `  ${cause}`)] : []),
  ].join('\n');
}

const markdownCell = (cell: string): string => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The same rows as a Markdown table, with the notes and failures as lists. */
export function markdownTable(figures: readonly BenchFigure[], failures: readonly BenchFailure[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(markdownCell).join(' | ')} |`;
  const { notes, causes } = notesOf(figures, failures);
  return [
    line(HEADER),
    line(HEADER.map(() => '---')),
    ...rowsOf(figures, failures).map(line),
    ...(notes.length > 0 ? ['', 'Notes:', '', ...notes.map((note) => `- ${markdownCell(note)}`)] : []),
    ...(causes.length > 0 ? ['', 'Failures:', '', ...causes.map((cause) => `- ${markdownCell(cause)}`)] : []),
  ].join('\n');
}
