// One measured figure of a benchmark: its median over repeated runs with their spread, the peer
// tool measured in the same run, and the goals the project sets for the figure and its ratio.
import { median } from './percentiles';

export interface BenchTarget {
  /** The figure passes when it is at most (`<=`), below (`<`) or at least (`>=`) the limit. */
  comparison: '<=' | '<' | '>=';
  limit: number;
}

/** The same task done by a tool admins use today, in the same run on the same lab. */
export interface BenchPeer {
  /** The peer as run, e.g. "parallel-ssh -p 20". */
  name: string;
  /** Its median, in the figure's unit. */
  value: number;
}

export interface BenchFigure {
  benchmark: string;
  metric: string;
  /** The median of `runs`, or the one measurement. */
  value: number;
  unit: string;
  /** Fewest and most of the repeated runs, and how many there were. */
  spread?: { min: number; max: number; runs: number };
  peer?: BenchPeer;
  target?: BenchTarget;
  /** A goal on the ratio: how many times faster (or smaller) than the peer (see peerRatio). */
  ratioTarget?: BenchTarget;
  /** 'higher' for a figure where more is better (a rate): its ratio is then value / peer. */
  betterWhen?: 'higher';
  /** Why the figure is what it is, when a number alone would mislead. */
  note?: string;
}

/** A benchmark that could not measure at all: the cause, in words, instead of a figure. */
export interface BenchFailure {
  benchmark: string;
  error: string;
}

/** The median of repeated runs with their spread, for a figure. */
export function repeated(values: readonly number[]): Pick<BenchFigure, 'value' | 'spread'> {
  return { value: median(values), spread: { min: Math.min(...values), max: Math.max(...values), runs: values.length } };
}

/** How many times better than the peer's the vfleet figure is: peer / value, or value / peer where higher is better. */
export function peerRatio(figure: BenchFigure): number | undefined {
  if (!figure.peer) return undefined;
  if (figure.betterWhen === 'higher') return figure.peer.value > 0 ? figure.value / figure.peer.value : undefined;
  return figure.value > 0 ? figure.peer.value / figure.value : undefined;
}

function passes(value: number | undefined, target: BenchTarget): boolean {
  if (value === undefined || !Number.isFinite(value)) return false;
  const { comparison, limit } = target;
  if (comparison === '<=') return value <= limit;
  if (comparison === '<') return value < limit;
  return value >= limit;
}

export function hasGoal(figure: BenchFigure): boolean {
  return figure.target !== undefined || figure.ratioTarget !== undefined;
}

/** Every goal of the figure is met (a figure without one always is). */
export function meetsTarget(figure: BenchFigure): boolean {
  if (figure.target && !passes(figure.value, figure.target)) return false;
  if (figure.ratioTarget && !passes(peerRatio(figure), figure.ratioTarget)) return false;
  return true;
}
