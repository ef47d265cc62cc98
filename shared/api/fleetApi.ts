// The one app API: every call the UI (through IPC or WebSocket) and the CLI make into the fleet
// core, with the schema of its parameters and of its result. The deltas feed is separate
// (fleetDeltaSchema): subscribers receive it, they never poll.
import { z } from 'zod';
import { agentMethods } from '../protocol/methods';
import { isMethodOf, type MethodParams, type MethodParsedParams, type MethodResult } from '../protocol/methodTable';
import { auditEntrySchema, auditQuerySchema } from './audit';
import { fleetExecRequestSchema, fleetExecResultSchema, fleetStatResultSchema } from './fleetExec';
import { fleetSnapshotSchema, guestViewSchema, hostStatusSchema } from './fleetState';
import { buildCheckRequestSchema, buildCheckSchema, guestConflictSchema } from './guestConflicts';
import {
  guestBuildRequestSchema, guestStartRequestSchema, guestCapabilitiesRequestSchema, guestExecRequestSchema, guestLimitsRequestSchema, guestRefSchema,
  guestUnameRequestSchema, execOutcomeSchema,
} from './guestActions';
import { healthHistorySchema, healthQuerySchema } from './health';
import { settingsSchema, settingsUpdateSchema } from './settings';
import { failoverRequestSchema, failoverResultSchema, replicaViewSchema, replicateRequestSchema, replicateResultSchema } from './replication';
import {
  evacuateRequestSchema, evacuateResultSchema, migrateRequestSchema, migrationAbortRequestSchema, migrateResultSchema, migrationJournalViewSchema, migrationTargetsResultSchema,
} from './migration';
import {
  fingerprintSchema, hostDefaultsSchema, hostInputSchema, hostNameSchema, hostSchema, hostUpdateSchema, importPreviewSchema, importResultSchema,
  importSourceKindSchema,
} from './hosts';

const nothing = z.object({}).strict();
const hostNamesSchema = z.object({ names: z.array(hostNameSchema).optional() }).strict();
const importSourceSchema = z.object({ kind: importSourceKindSchema, path: z.string().min(1) }).strict();
/** Apply: only the named hosts of the preview's "to add" (absent: all of them). */
const importApplySchema = importSourceSchema.extend({ names: z.array(hostNameSchema).min(1, 'name at least one host to import').optional() }).strict();

export const fleetApi = {
  'hosts.list': { params: nothing, result: z.array(hostSchema) },
  'hosts.add': { params: hostInputSchema, result: hostSchema },
  'hosts.update': { params: z.object({ name: hostNameSchema, patch: hostUpdateSchema }).strict(), result: hostSchema },
  'hosts.remove': { params: z.object({ name: hostNameSchema }).strict(), result: nothing },
  'hosts.approveKey': { params: z.object({ name: hostNameSchema, fingerprint: fingerprintSchema }).strict(), result: hostSchema },
  'hosts.importPreview': { params: importSourceSchema, result: importPreviewSchema },
  'hosts.importApply': { params: importApplySchema, result: importResultSchema },
  /** What the add-host and import dialogs start from: whether ssh-agent is usable here, and this user's ~/.ssh/config. */
  'hosts.defaults': { params: nothing, result: hostDefaultsSchema },
  /** Connects (absent names: every host) and waits until each is connected or needs the admin. */
  'hosts.connect': { params: hostNamesSchema.extend({ timeoutMs: z.number().int().positive().optional() }).strict(), result: z.array(hostStatusSchema) },
  'hosts.disconnect': { params: hostNamesSchema, result: nothing },
  'inventory.snapshot': { params: nothing, result: fleetSnapshotSchema },
  'inventory.history': { params: healthQuerySchema, result: healthHistorySchema },
  /** The fleet-wide checks of a guest to build, without building: refusals, warnings, a free context id. */
  'guest.buildCheck': { params: buildCheckRequestSchema, result: buildCheckSchema },
  /** Refused on any refusal of guest.buildCheck, and on a warning unless force; the warnings forced past come back. */
  'guest.build': { params: guestBuildRequestSchema, result: guestViewSchema.extend({ warnings: z.array(guestConflictSchema) }) },
  'guest.start': { params: guestStartRequestSchema, result: guestViewSchema },
  'guest.stop': { params: guestRefSchema, result: guestViewSchema },
  'guest.restart': { params: guestRefSchema, result: guestViewSchema },
  'guest.delete': { params: guestRefSchema, result: nothing },
  'guest.exec': { params: guestExecRequestSchema, result: execOutcomeSchema },
  'guest.limits': { params: guestLimitsRequestSchema, result: agentMethods.limitGet.result },
  'guest.capabilities': { params: guestCapabilitiesRequestSchema, result: agentMethods.capsGet.result },
  'guest.uname': { params: guestUnameRequestSchema, result: agentMethods.unameGet.result },
  /** The guest's processes with vps's columns (PID, CONTEXT, USER, STATE, RSS, COMMAND). */
  'guest.processes': { params: guestRefSchema, result: agentMethods.ps.result },
  /** Moves a guest to another host (pre-flight, pre-copy, switch, commit); progress arrives as 'migration' deltas. */
  'guest.migrate': { params: migrateRequestSchema, result: migrateResultSchema },
  /** Every other host ranked for a guest, each unsuitable one with its reasons. */
  'guest.migrationTargets': { params: guestRefSchema, result: migrationTargetsResultSchema },
  /** Every guest of a host migrated elsewhere, placed by headroom; a result per guest. */
  'host.evacuate': { params: evacuateRequestSchema, result: evacuateResultSchema },
  /** A standby copy of the guest on another host, synced by the source host on schedule; the first sync runs now. */
  'guest.replicate': { params: replicateRequestSchema, result: replicateResultSchema },
  /** Removes the guest's replication from both hosts (the unpromoted replica with it). */
  'guest.replicateStop': { params: guestRefSchema, result: z.object({ removed: z.array(z.string()) }) },
  /** The replica of a guest whose host is unreachable becomes the guest on its replica host (once: a compare-and-set of its generation). */
  'guest.failover': { params: failoverRequestSchema, result: failoverResultSchema },
  /** Every replication the connected hosts know, with its age, size, last result and staleness. */
  'replicas.list': { params: nothing, result: z.array(replicaViewSchema) },
  /** The journaled migrations, finished or not. */
  'migrations.list': { params: nothing, result: z.array(migrationJournalViewSchema) },
  /** Resolves every unfinished journal now (rolled back before verification, forward after) instead of at the next retry; then the list. */
  'migrations.resolve': { params: nothing, result: z.array(migrationJournalViewSchema) },
  /** Aborts one migration: before the switch a clean abort (the target's copy removed), after it a rollback to the source; refused once verified or finished. */
  'migrations.abort': { params: migrationAbortRequestSchema, result: migrationJournalViewSchema },
  'fleet.exec': { params: fleetExecRequestSchema, result: fleetExecResultSchema },
  /**
   * vserver-stat of the named hosts (absent: every host): each agent reads its rows from the kernel
   * when called (one round trip per host, all at once; nothing cached), so they are as fresh as the
   * call; a host that cannot answer is listed in `errors` with its cause.
   */
  'fleet.stat': { params: hostNamesSchema, result: fleetStatResultSchema },
  'audit.query': { params: auditQuerySchema, result: z.array(auditEntrySchema) },
  'settings.get': { params: nothing, result: settingsSchema },
  /** Stores the change and applies it at once where the running core can (SETTINGS_APPLIED_AT_START: at the next start). */
  'settings.update': { params: settingsUpdateSchema, result: settingsSchema },
} as const;

type FleetApi = typeof fleetApi;
export type FleetApiMethod = keyof FleetApi;
export type FleetApiParams<M extends FleetApiMethod> = MethodParams<FleetApi, M>;
/** The params as the core's API entry parsed them: what every action receives. */
export type FleetApiParsedParams<M extends FleetApiMethod> = MethodParsedParams<FleetApi, M>;
export type FleetApiResult<M extends FleetApiMethod> = MethodResult<FleetApi, M>;

export function isFleetApiMethod(method: string): method is FleetApiMethod {
  return isMethodOf(fleetApi, method);
}
