// VServer's CPU token bucket (sched/fill-rate and sched/interval: fill-rate tokens every interval
// ticks, one token per tick of CPU) and its cgroup equivalent, a CFS quota per period.

export interface CpuBucket {
  fillRate: number;
  interval: number;
}

/** The kernel refuses CFS quotas below one millisecond. */
export const MIN_CPU_QUOTA_US = 1000;
export const DEFAULT_CPU_PERIOD_US = 100_000;

function checkBucket(bucket: CpuBucket): void {
  if (!Number.isInteger(bucket.fillRate) || bucket.fillRate < 1) throw new RangeError(`CPU fill-rate must be a whole number of tokens of at least 1, got ${bucket.fillRate}`);
  if (!Number.isInteger(bucket.interval) || bucket.interval < 1) throw new RangeError(`CPU interval must be a whole number of ticks of at least 1, got ${bucket.interval}`);
}

/** Quota (µs per period) giving the same CPU share as the bucket: period × fill-rate / interval. */
export function cpuBucketToQuota(bucket: CpuBucket, periodUs: number = DEFAULT_CPU_PERIOD_US): number {
  checkBucket(bucket);
  return Math.max(MIN_CPU_QUOTA_US, Math.round((periodUs * bucket.fillRate) / bucket.interval));
}

/** The share of one CPU the bucket grants (0.25 for fill-rate 1 / interval 4). */
export function cpuBucketShare(bucket: CpuBucket): number {
  checkBucket(bucket);
  return bucket.fillRate / bucket.interval;
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

/** The smallest bucket with the quota's share: 25 000 / 100 000 -> fill-rate 1, interval 4. */
export function quotaToCpuBucket(quotaUs: number, periodUs: number = DEFAULT_CPU_PERIOD_US): CpuBucket {
  if (!Number.isInteger(quotaUs) || quotaUs < 1 || !Number.isInteger(periodUs) || periodUs < 1) {
    throw new RangeError(`CPU quota and period must be positive whole microseconds, got ${quotaUs}/${periodUs}`);
  }
  const divisor = greatestCommonDivisor(quotaUs, periodUs);
  return { fillRate: quotaUs / divisor, interval: periodUs / divisor };
}
