// One measured figure of a benchmark, with its target when the project sets one.
export interface BenchTarget {
  /** The figure passes when it is at most (`<=`), below (`<`) or at least (`>=`) the limit. */
  comparison: '<=' | '<' | '>=';
  limit: number;
}

export interface BenchFigure {
  benchmark: string;
  metric: string;
  value: number;
  unit: string;
  target?: BenchTarget;
  /** Why the figure is what it is, when a number alone would mislead. */
  note?: string;
}

/** A benchmark that could not measure at all: the cause, in words, instead of a figure. */
export interface BenchFailure {
  benchmark: string;
  error: string;
}

export function meetsTarget(figure: BenchFigure): boolean {
  if (!figure.target) return true;
  if (!Number.isFinite(figure.value)) return false;
  const { comparison, limit } = figure.target;
  if (comparison === '<=') return figure.value <= limit;
  if (comparison === '<') return figure.value < limit;
  return figure.value >= limit;
}
