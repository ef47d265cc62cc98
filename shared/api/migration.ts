// A guest's migration as the app API exposes it (UI and CLI alike): the request, the ranked
// target suggestions, the pre-flight checks, the progress the deltas feed carries and the result
// with its measured figures; the journal entries `migrations.list` shows.
import { z } from 'zod';
import { migrationIdSchema } from '../protocol/schemas';
import { guestNameSchema, xidSchema } from '../validation';
import { hostNameSchema } from './hosts';

export const MIGRATION_MODES = ['stop', 'freeze'] as const;
export const migrationModeSchema = z.enum(MIGRATION_MODES);
export type MigrationMode = z.infer<typeof migrationModeSchema>;

/** How a migration's data goes: host to host over SSH, through the workstation's two SSH connections, or direct unless a probe fails. */
export const MIGRATION_TRANSPORTS = ['auto', 'direct', 'relay'] as const;
export const migrationTransportSettingSchema = z.enum(MIGRATION_TRANSPORTS);
export type MigrationTransportSetting = z.infer<typeof migrationTransportSettingSchema>;
/** The transport a migration used. */
export const migrationTransportSchema = z.enum(['direct', 'relay']);
export type MigrationTransport = z.infer<typeof migrationTransportSchema>;

export const migrateRequestSchema = z.object({
  host: hostNameSchema,
  guest: guestNameSchema,
  to: hostNameSchema,
  /** stop: the guest's own stop sequence; freeze: cgroup freezer during the final delta (rollback is a thaw). */
  mode: migrationModeSchema.default('stop'),
  /** Keep the source's disabled copy as a backup (default) or remove it once the target is verified. */
  keepSource: z.boolean().default(true),
  /** A TCP port of the guest that must accept connections on the target before the migration commits. */
  verifyPort: z.number().int().min(1).max(65535).optional(),
  /** The context id on the target; absent: the guest's own when it is free there, else the one the target proposes. */
  xid: xidSchema.optional(),
  /** Only run the pre-flight checks and return them; nothing moves. */
  checkOnly: z.boolean().default(false),
  /** Absent: the settings' migrationTransport (default auto: direct unless the source cannot reach the target). */
  transport: migrationTransportSettingSchema.optional(),
}).strict().refine((request) => request.host !== request.to, { message: 'the target is the host the guest is on', path: ['to'] });
export type MigrateRequest = z.input<typeof migrateRequestSchema>;
/** The request as the API entry parsed it (defaults filled in). */
export type ParsedMigrateRequest = z.output<typeof migrateRequestSchema>;

export const preflightCheckSchema = z.object({
  /** A stable name: reachable, driver, protocol, name, xid, disk, memory, address, subnet, capabilities, transport. */
  check: z.string(),
  outcome: z.enum(['ok', 'warning', 'failed']),
  detail: z.string(),
});
export type PreflightCheck = z.infer<typeof preflightCheckSchema>;

export const MIGRATION_PHASES = [
  'preflight', 'precopy', 'switching', 'finalSync', 'arrived', 'started', 'verified', 'committing',
  'done', 'rollingBack', 'rolledBack', 'aborted',
] as const;
export const migrationPhaseSchema = z.enum(MIGRATION_PHASES);
export type MigrationPhase = z.infer<typeof migrationPhaseSchema>;
/** Phases after which nothing is left to do: the guest runs (or rests) in exactly one place and both holds are released. */
export const FINAL_MIGRATION_PHASES: readonly MigrationPhase[] = ['done', 'rolledBack', 'aborted'];

export const migrationProgressSchema = z.object({
  migration: migrationIdSchema,
  host: z.string(),
  guest: z.string(),
  to: z.string(),
  phase: migrationPhaseSchema,
  /** Bytes sent so far by the transfer (all rounds). */
  bytes: z.number().nonnegative(),
  rateBytesPerSecond: z.number().nonnegative(),
  secondsLeft: z.number().nonnegative().optional(),
  /** Pre-copy round, from 1. */
  round: z.number().int().nonnegative(),
  /** The transport, once chosen (after the pre-flight, and the probe in auto mode). */
  transport: migrationTransportSchema.optional(),
  time: z.number(),
  message: z.string().optional(),
});
export type MigrationProgress = z.infer<typeof migrationProgressSchema>;

export const migrateResultSchema = z.object({
  migration: migrationIdSchema,
  host: z.string(),
  guest: z.string(),
  to: z.string(),
  mode: migrationModeSchema,
  xid: xidSchema,
  preflight: z.array(preflightCheckSchema),
  /** done: the guest runs on the target; checked: checkOnly, nothing moved. */
  outcome: z.enum(['done', 'checked']),
  /** Source stopped or frozen -> target verified, as the core saw it. */
  downtimeMs: z.number().nonnegative().optional(),
  totalMs: z.number().nonnegative(),
  bytesSent: z.number().nonnegative(),
  rateBytesPerSecond: z.number().nonnegative(),
  rounds: z.number().int().nonnegative(),
  /** The transport used (checked: the one the migration would use without a probe). */
  transport: migrationTransportSchema,
  sourceKept: z.boolean(),
  announced: z.array(z.object({ ip: z.string(), device: z.string() })),
});
export type MigrateResult = z.infer<typeof migrateResultSchema>;

export const migrationTargetSchema = z.object({
  host: z.string(),
  suitable: z.boolean(),
  /** Higher is roomier: the smaller of the memory and disk headroom left after the guest, as a fraction. */
  score: z.number(),
  memoryAvailable: z.number().nonnegative().optional(),
  diskFree: z.number().nonnegative().optional(),
  /** Why it is unsuitable, or what to know about it. */
  reasons: z.array(z.string()),
});
export type MigrationTarget = z.infer<typeof migrationTargetSchema>;

export const migrationTargetsResultSchema = z.object({
  host: z.string(),
  guest: z.string(),
  sizeBytes: z.number().nonnegative(),
  memoryNeeded: z.number().nonnegative(),
  targets: z.array(migrationTargetSchema),
});

/** One journal, as `migrations.list` shows it. */
export const migrationJournalViewSchema = z.object({
  migration: migrationIdSchema,
  host: z.string(),
  guest: z.string(),
  to: z.string(),
  mode: migrationModeSchema,
  phase: migrationPhaseSchema,
  startedAt: z.number(),
  updatedAt: z.number(),
  /** What the last resolution did or why it could not act yet. */
  note: z.string().optional(),
  /** Source stopped or frozen -> target verified, once both happened. */
  downtimeMs: z.number().nonnegative().optional(),
  bytesSent: z.number().nonnegative().optional(),
  rounds: z.number().int().nonnegative().optional(),
});
export type MigrationJournalView = z.infer<typeof migrationJournalViewSchema>;

export const migrationAbortRequestSchema = z.object({ migration: migrationIdSchema }).strict();

export const evacuateRequestSchema = z.object({
  host: hostNameSchema,
  mode: migrationModeSchema.default('stop'),
  /** Migrations running at once. */
  parallel: z.number().int().min(1).max(8).default(2),
  keepSource: z.boolean().default(true),
  verifyPort: z.number().int().min(1).max(65535).optional(),
}).strict();
export type EvacuateRequest = z.input<typeof evacuateRequestSchema>;
export type ParsedEvacuateRequest = z.output<typeof evacuateRequestSchema>;

export const evacuationGuestSchema = z.object({
  guest: z.string(),
  /** moved: it runs (or rests) on `to`; stayed: no host could take it, or the evacuation was stopped first; failed: its migration failed (and was resolved). */
  outcome: z.enum(['moved', 'stayed', 'failed']),
  to: z.string().optional(),
  migration: migrationIdSchema.optional(),
  downtimeMs: z.number().nonnegative().optional(),
  reason: z.string().optional(),
});

export const evacuateResultSchema = z.object({
  host: z.string(),
  guests: z.array(evacuationGuestSchema),
  /** The evacuation was stopped (cancelled) before every guest had its turn. */
  stopped: z.boolean(),
});
export type EvacuateResult = z.infer<typeof evacuateResultSchema>;
