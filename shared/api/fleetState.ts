// The fleet as the UI and the CLI see it: hosts with their connection and guests, derived
// summaries, alerts, and the deltas a subscriber receives instead of polling.
import { z } from 'zod';
import { migrationProgressSchema } from './migration';
import { guestConfigSchema, guestStateSchema, hostInfoSchema } from '../domain/guest';
import { hostTrustStateSchema } from './hosts';
import { healthPointSchema } from './health';

export const connectionStateSchema = z.enum(['disconnected', 'connecting', 'connected', 'unreachable', 'pendingApproval', 'blocked', 'failed']);
export type ConnectionStateName = z.infer<typeof connectionStateSchema>;

export const guestViewSchema = z.object({
  host: z.string(),
  name: z.string(),
  xid: z.number().int().nonnegative(),
  state: guestStateSchema,
  initPid: z.number().int().positive().optional(),
  processes: z.number().int().nonnegative(),
  /** When it started (ms since the epoch, workstation clock), while running. */
  startedAt: z.number().optional(),
  config: guestConfigSchema.optional(),
  /** Why the agent cannot read this guest's configuration (file and value); state and xid are then the last known, if any. */
  misconfigured: z.string().optional(),
  /** Latest health sample: CPU as a share of the host, resident memory. */
  cpu: z.number().nonnegative().optional(),
  memoryBytes: z.number().nonnegative().optional(),
  memoryHits: z.number().nonnegative().optional(),
  processesHits: z.number().nonnegative().optional(),
  oomKills: z.number().nonnegative().optional(),
});
export type GuestView = z.infer<typeof guestViewSchema>;

export const hostHealthSchema = z.object({
  time: z.number(),
  cpu: z.number().nonnegative(),
  cpus: z.number().int().positive(),
  memoryTotal: z.number().nonnegative(),
  memoryUsed: z.number().nonnegative(),
  load: z.tuple([z.number(), z.number(), z.number()]),
  diskTotal: z.number().nonnegative(),
  diskFree: z.number().nonnegative(),
});
export type HostHealth = z.infer<typeof hostHealthSchema>;

/** A host without its guests: what a 'host' delta carries. */
export const hostStatusSchema = z.object({
  name: z.string(),
  address: z.string(),
  port: z.number().int(),
  user: z.string(),
  tags: z.array(z.string()),
  trust: hostTrustStateSchema,
  /** The fingerprint waiting for approval or refused, when trust is pending or blocked. */
  offeredFingerprint: z.string().optional(),
  connection: connectionStateSchema,
  /** Why the host is not connected or not usable, in words for the admin. */
  error: z.string().optional(),
  nextAttemptAt: z.number().optional(),
  /** Why the agent is not answering on a connected host (retried meanwhile). */
  agentError: z.string().optional(),
  info: hostInfoSchema.optional(),
  agent: z.object({ version: z.string(), file: z.string(), uploaded: z.boolean(), driver: z.string(), features: z.array(z.string()) }).optional(),
  health: hostHealthSchema.optional(),
  /** When the agent last synchronised the guest list (ms since the epoch). */
  syncedAt: z.number().optional(),
});
export type HostStatus = z.infer<typeof hostStatusSchema>;

export const hostViewSchema = hostStatusSchema.extend({ guests: z.array(guestViewSchema) });
export type HostView = z.infer<typeof hostViewSchema>;

export const fleetSummarySchema = z.object({
  hosts: z.object({ total: z.number().int(), up: z.number().int(), down: z.number().int(), needAttention: z.number().int() }),
  guests: z.object({ total: z.number().int(), running: z.number().int(), stopped: z.number().int() }),
  cpu: z.object({ busyCpus: z.number(), totalCpus: z.number().int(), fraction: z.number() }),
  memory: z.object({ usedBytes: z.number(), totalBytes: z.number(), fraction: z.number() }),
});
export type FleetSummary = z.infer<typeof fleetSummarySchema>;

export const alertKindSchema = z.enum(['hostUnreachable', 'guestStoppedUnexpectedly', 'memoryLimitHit', 'processLimitHit', 'diskLow', 'replicaSyncFailed', 'replicaStale']);
export type AlertKind = z.infer<typeof alertKindSchema>;

/** critical: a host or guest is down; warning: it runs but needs a look (limits, disk). */
export const alertSeveritySchema = z.enum(['warning', 'critical']);
export type AlertSeverity = z.infer<typeof alertSeveritySchema>;

export const alertSchema = z.object({
  id: z.string(),
  kind: alertKindSchema,
  host: z.string(),
  guest: z.string().optional(),
  severity: alertSeveritySchema,
  message: z.string(),
  since: z.number(),
});
export type Alert = z.infer<typeof alertSchema>;

export const alertThresholdsSchema = z.object({
  /** A guest base with less free space than this share of its disk raises diskLow. */
  diskFreeFraction: z.number().min(0).max(1),
  /** A limit-hit alert clears after this long without new hits. */
  limitQuietMs: z.number().int().nonnegative(),
  /** A host must stay unreachable this long before it raises an alert. */
  unreachableGraceMs: z.number().int().nonnegative(),
});
export type AlertThresholds = z.infer<typeof alertThresholdsSchema>;

export const fleetSnapshotSchema = z.object({
  hosts: z.array(hostViewSchema),
  summary: fleetSummarySchema,
  alerts: z.array(alertSchema),
});
export type FleetSnapshot = z.infer<typeof fleetSnapshotSchema>;

export const fleetDeltaSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('host'), host: hostStatusSchema }),
  z.object({ type: z.literal('hostRemoved'), host: z.string() }),
  z.object({ type: z.literal('guest'), guest: guestViewSchema }),
  z.object({ type: z.literal('guestRemoved'), host: z.string(), guest: z.string() }),
  z.object({
    type: z.literal('health'),
    host: z.string(),
    point: healthPointSchema,
    guests: z.array(z.object({ name: z.string(), point: healthPointSchema })),
  }),
  z.object({ type: z.literal('summary'), summary: fleetSummarySchema }),
  z.object({ type: z.literal('alert'), alert: alertSchema }),
  z.object({ type: z.literal('alertCleared'), id: z.string() }),
  z.object({ type: z.literal('migration'), progress: migrationProgressSchema }),
]);
export type FleetDelta = z.infer<typeof fleetDeltaSchema>;
