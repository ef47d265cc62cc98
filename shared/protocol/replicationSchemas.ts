// Replication (docs/architecture.md, "Replicas and failover"): the replica marker a copy carries,
// the schedule its source host runs by itself, and the agent calls a core makes of the source and
// of the replica host. A namespace import keeps the agent bundle small (see methods.ts).
import * as z from 'zod';
import { guestStatusSchema } from '../domain/guest';
import { guestNameSchema, xidSchema } from '../validation';
import { addressSchema, peerNameSchema, specialFilesSchema, sshPublicKeySchema } from './schemas';

export const replicationIdSchema = z.string().regex(/^r-[0-9a-z]{8,40}$/, 'a replication id is r- and 8 to 40 lower-case letters or digits');

/** The shortest interval between two scheduled syncs (tests use a few seconds), the longest a week. */
export const REPLICATION_INTERVAL_MIN_MS = 2_000;
export const REPLICATION_INTERVAL_MAX_MS = 7 * 24 * 3_600_000;
export const replicationIntervalSchema = z.number().int().min(REPLICATION_INTERVAL_MIN_MS).max(REPLICATION_INTERVAL_MAX_MS);

/** One sync's outcome, recorded by the source (every attempt) and by the replica (each one it committed). */
export const syncRecordSchema = z.object({
  time: z.number(),
  result: z.enum(['ok', 'failed']),
  /** Bytes rsync sent (both trees). */
  bytesSent: z.number().nonnegative(),
  /** The guest's size as rsync counted it (regular files). */
  sizeBytes: z.number().nonnegative().optional(),
  durationMs: z.number().nonnegative(),
  /** How long the guest was frozen for the final pass (--freeze). */
  freezeMs: z.number().nonnegative().optional(),
  error: z.string().max(2_000).optional(),
}).strict();
export type SyncRecord = z.infer<typeof syncRecordSchema>;

/**
 * apps/vfleet/replica in a guest's configuration. replica: the standby copy on the replica host,
 * never started but by its promotion; promoted: that copy became the guest (it may start);
 * fenced: a source copy older than a promotion elsewhere, disabled (its autostart mark kept here).
 */
export const REPLICA_ROLES = ['replica', 'promoted', 'fenced'] as const;
export const replicaMarkerSchema = z.object({
  replication: replicationIdSchema,
  role: z.enum(REPLICA_ROLES),
  /** The host the copy came from (replica, promoted) or the host whose promotion fenced it (fenced), as the core names it. */
  peer: peerNameSchema,
  generation: z.number().int().positive(),
  /** The snapshot the configuration's vdir names (replica): snap-N under the replica's directory. */
  snapshot: z.number().int().nonnegative(),
  intervalMs: replicationIntervalSchema,
  lastSync: syncRecordSchema.optional(),
  since: z.number(),
  /** A fenced copy's autostart mark, removed from it and kept here. */
  mark: z.string().max(64).optional(),
}).strict();
export type ReplicaMarker = z.infer<typeof replicaMarkerSchema>;

/** The source host's record of one replication, in its state folder: what its replicator runs. */
export const replicationScheduleSchema = z.object({
  replication: replicationIdSchema,
  name: guestNameSchema,
  /** The replica host as the core names it, its address and SSH port from here. */
  to: peerNameSchema,
  address: addressSchema,
  port: z.number().int().min(1).max(65535),
  intervalMs: replicationIntervalSchema,
  freeze: z.boolean(),
  /** The generation of this host's copy; a higher one on the replica host means it was promoted there. */
  generation: z.number().int().positive(),
  /** active: synced on schedule; fenced: a promotion elsewhere made this copy stale, nothing more is synced. */
  state: z.enum(['active', 'fenced']),
  createdAt: z.number(),
  lastSync: syncRecordSchema.optional(),
}).strict();
export type ReplicationSchedule = z.infer<typeof replicationScheduleSchema>;

const ids = { replication: replicationIdSchema, name: guestNameSchema };
export const replicationGuestParamsSchema = z.object(ids).strict();

export const replicationPrepareParamsSchema = z.object({
  ...ids,
  /** The source as the core names it, and its address as this host sees it (the key is authorised from there only). */
  source: peerNameSchema,
  from: addressSchema,
  publicKey: sshPublicKeySchema,
  xid: xidSchema,
  ips: z.array(z.string()).max(64),
}).strict();

export const replicationScheduleParamsSchema = z.object({
  ...ids,
  to: peerNameSchema,
  address: addressSchema,
  port: z.number().int().min(1).max(65535),
  /** The replica host's key as the workstation verified it, for the source's known_hosts. */
  hostKey: sshPublicKeySchema,
  intervalMs: replicationIntervalSchema,
  freeze: z.boolean(),
}).strict();

export const replicationSyncResultSchema = z.object({ record: syncRecordSchema, snapshot: z.number().int().nonnegative().optional() });

/** What the replica host's gate answers the source: the copy's role and generation (none before its first sync). */
export const gateStateSchema = z.object({
  replication: replicationIdSchema,
  role: z.enum(REPLICA_ROLES).optional(),
  generation: z.number().int().positive().optional(),
  snapshot: z.number().int().nonnegative().optional(),
  /** The fresh snapshot directory a sync writes into (begin). */
  next: z.number().int().positive().optional(),
}).strict();
export type GateState = z.infer<typeof gateStateSchema>;

/** What a source sends the gate's commit on stdin. */
export const gateCommitSchema = z.object({ specials: specialFilesSchema, record: syncRecordSchema, intervalMs: replicationIntervalSchema }).strict();

export const replicationListResultSchema = z.object({
  /** Replications this host is the source of. */
  schedules: z.array(replicationScheduleSchema),
  /** Copies here carrying a replica marker. */
  replicas: z.array(z.object({ name: guestNameSchema, marker: replicaMarkerSchema, running: z.boolean() })),
  /** The pid of this host's replicator, when it runs. */
  replicator: z.number().int().positive().optional(),
});

export const replicationPromoteParamsSchema = z.object({
  ...ids,
  /** The generation the core saw: the promotion happens only if the replica still has it (compare-and-set). */
  generation: z.number().int().positive(),
  /** The host the replica came from, unreachable now. */
  source: peerNameSchema,
}).strict();
export const replicationPromoteResultSchema = z.object({
  generation: z.number().int().positive(),
  status: guestStatusSchema,
  announced: z.array(z.object({ ip: z.string(), device: z.string() })),
  /** The data's age at promotion: now minus the last committed sync. */
  dataAgeMs: z.number().nonnegative().optional(),
});

export const replicationFenceParamsSchema = z.object({
  ...ids,
  /** The generation that runs elsewhere, and where. */
  generation: z.number().int().positive(),
  peer: peerNameSchema,
}).strict();
export const replicationFenceResultSchema = z.object({ stopped: z.boolean(), fenced: z.boolean() });

export const replicationRemoveResultSchema = z.object({ removed: z.array(z.string()) });
