// Order statistics of a sample of latencies, nearest-rank, so every reported value was observed.

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) throw new Error('a percentile of no measurements is undefined');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export const median = (values: readonly number[]): number => percentile(values, 0.5);
