// Health history of a host or a guest as the UI receives it: a 1-second live window and
// per-minute aggregates (docs/architecture.md, Inventory and health).
import { z } from 'zod';

export const healthPointSchema = z.object({
  /** Milliseconds since the epoch, on the workstation's clock. */
  time: z.number(),
  /** Share of the host's whole CPU capacity in use, 0..1. */
  cpu: z.number().nonnegative(),
  memoryBytes: z.number().nonnegative(),
  /** A guest's. */
  processes: z.number().int().nonnegative().optional(),
  /** A host's: its 1-minute load average. */
  load: z.number().nonnegative().optional(),
  /** A host's: bytes in use on the filesystem of its guest base (its size less what is available). */
  diskUsedBytes: z.number().nonnegative().optional(),
});
export type HealthPoint = z.infer<typeof healthPointSchema>;

export const minuteAggregateSchema = z.object({
  /** Start of the minute, milliseconds since the epoch. */
  minute: z.number(),
  samples: z.number().int().positive(),
  cpuAvg: z.number(),
  cpuMax: z.number(),
  memoryAvg: z.number(),
  memoryMax: z.number(),
  processesMax: z.number().int().nonnegative().optional(),
  loadAvg: z.number().nonnegative().optional(),
  loadMax: z.number().nonnegative().optional(),
  diskUsedAvg: z.number().nonnegative().optional(),
  diskUsedMax: z.number().nonnegative().optional(),
});
export type MinuteAggregate = z.infer<typeof minuteAggregateSchema>;

export const healthHistorySchema = z.object({
  live: z.array(healthPointSchema),
  minutes: z.array(minuteAggregateSchema),
});
export type HealthHistory = z.infer<typeof healthHistorySchema>;

export const healthQuerySchema = z.object({
  host: z.string().min(1),
  /** Omitted: the host's own history. */
  guest: z.string().min(1).optional(),
});
export type HealthQuery = z.infer<typeof healthQuerySchema>;
