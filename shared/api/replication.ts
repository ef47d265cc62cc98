// Replicas and failover as the app API exposes them (UI and CLI alike): making and stopping a
// replication, the replicas with their age and last result, and the failover (promotion of a
// replica when its source host is unreachable). docs/architecture.md, "Replicas and failover".
import { z } from 'zod';
import { replicationIdSchema, replicationIntervalSchema, syncRecordSchema, REPLICA_ROLES } from '../protocol/replicationSchemas';
import { guestNameSchema } from '../validation';
import { hostNameSchema } from './hosts';

/** A replica older than this many intervals is shown stale. */
export const STALE_INTERVALS = 3;
export const DEFAULT_REPLICATION_INTERVAL_MS = 15 * 60_000;

export const replicateRequestSchema = z.object({
  host: hostNameSchema,
  guest: guestNameSchema,
  to: hostNameSchema,
  intervalMs: replicationIntervalSchema.default(DEFAULT_REPLICATION_INTERVAL_MS),
  /** Freeze the guest for each sync's final pass (bounded; the freeze time is recorded). */
  freeze: z.boolean().default(false),
}).strict().refine((request) => request.host !== request.to, { message: 'the replica host is the host the guest is on', path: ['to'] });
export type ReplicateRequest = z.input<typeof replicateRequestSchema>;
export type ParsedReplicateRequest = z.output<typeof replicateRequestSchema>;

/** One replication as the core sees it from both hosts (either may be unreachable). */
export const replicaViewSchema = z.object({
  replication: replicationIdSchema,
  host: z.string(),
  guest: z.string(),
  to: z.string(),
  intervalMs: z.number(),
  freeze: z.boolean().optional(),
  /** The source's schedule state (absent when the source did not answer). */
  state: z.enum(['active', 'fenced']).optional(),
  /** The replica's marker role on `to` (absent before its first sync or when `to` did not answer). */
  role: z.enum(REPLICA_ROLES).optional(),
  generation: z.number().int().optional(),
  /** The last attempt as the source recorded it, and the last committed sync as the replica recorded it. */
  lastAttempt: syncRecordSchema.optional(),
  lastSync: syncRecordSchema.optional(),
  /** Now minus the last committed sync: the data a failover now would lose. */
  ageMs: z.number().nonnegative().optional(),
  stale: z.boolean(),
  sizeBytes: z.number().nonnegative().optional(),
  /** Why a host's half is missing from this view. */
  notes: z.array(z.string()),
});
export type ReplicaView = z.infer<typeof replicaViewSchema>;

export const replicateResultSchema = z.object({ replica: replicaViewSchema });

export const failoverRequestSchema = z.object({
  host: hostNameSchema,
  guest: guestNameSchema,
  /** The replica host, when the guest has replicas on several. */
  to: hostNameSchema.optional(),
}).strict();
export type FailoverRequest = z.input<typeof failoverRequestSchema>;

export const failoverResultSchema = z.object({
  replication: replicationIdSchema,
  host: z.string(),
  guest: z.string(),
  to: z.string(),
  generation: z.number().int().positive(),
  /** The data's age at promotion (now minus the last committed sync). */
  dataAgeMs: z.number().nonnegative().optional(),
  /** The call -> the guest started on `to`, as the core measured it. */
  durationMs: z.number().nonnegative(),
  announced: z.array(z.object({ ip: z.string(), device: z.string() })),
});
export type FailoverResult = z.infer<typeof failoverResultSchema>;

const DURATION_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "15m", "90s", "2h", "1d" (or plain seconds) in milliseconds; undefined when it is none of those. */
export function parseInterval(text: string): number | undefined {
  const match = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (DURATION_UNITS[match[2] || 's'] ?? 1_000);
}

/** An age or interval for the admin: "42 s", "15 min", "3.5 h", "2.0 d". */
export function formatAge(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 2 * 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}
