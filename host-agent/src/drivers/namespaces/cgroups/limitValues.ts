// Kernel-neutral limits (util-vserver's units) to cgroup control values, and back.
import type { GuestLimits } from '../../../../../shared/domain/guest';
import { cpuBucketToQuota, DEFAULT_CPU_PERIOD_US } from '../../../vserverFormats/cpuBucket';

/** The CFS period vfleet uses when it sets a CPU bucket: the kernel's default, 100 ms. */
export const CPU_PERIOD_USEC = DEFAULT_CPU_PERIOD_US;

/** The guest's CPU bucket as a CFS quota per period, undefined without a bucket. */
export function cpuQuotaUsec(limits: Pick<GuestLimits, 'cpuFillRate' | 'cpuInterval'>, periodUsec = CPU_PERIOD_USEC): number | undefined {
  const { cpuFillRate, cpuInterval } = limits;
  if (cpuFillRate === undefined || cpuInterval === undefined) return undefined;
  return cpuBucketToQuota({ fillRate: cpuFillRate, interval: cpuInterval }, periodUsec);
}

/** v2 cpu.max: "QUOTA PERIOD", or "max PERIOD" without a bucket. */
export function cpuMaxValue(limits: GuestLimits): string {
  const quota = cpuQuotaUsec(limits);
  return `${quota ?? 'max'} ${CPU_PERIOD_USEC}`;
}

/** io.weight 1..10000 (default 100) -> v1 blkio.weight 10..1000 (default 500): defaults map onto each other. */
export function blkioWeight(ioWeight: number): number {
  return Math.min(1000, Math.max(10, Math.round(ioWeight * 5)));
}

/** A byte limit or "max" (v2). */
export function v2Bytes(value: number | undefined): string {
  return value === undefined ? 'max' : String(Math.floor(value));
}

/** A byte limit or -1 = unlimited (v1). */
export function v1Bytes(value: number | undefined): string {
  return value === undefined ? '-1' : String(Math.floor(value));
}
