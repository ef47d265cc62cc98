// IO weight is kept in cgroup v2 units (io.weight 1..10000, default 100); cgroup v1 and
// util-vserver's cgroup/ files use blkio.weight (10..1000, default 500).

export const IO_WEIGHT_DEFAULT = 100;
export const BLKIO_WEIGHT_DEFAULT = 500;

/** Scales around the two defaults, as systemd does, clamped to blkio's range. */
export function ioWeightToBlkioWeight(ioWeight: number): number {
  if (!Number.isInteger(ioWeight) || ioWeight < 1 || ioWeight > 10000) throw new RangeError(`IO weight must be a whole number from 1 to 10000, got ${ioWeight}`);
  return Math.min(1000, Math.max(10, Math.round((ioWeight * BLKIO_WEIGHT_DEFAULT) / IO_WEIGHT_DEFAULT)));
}
