// Every RPC method of the host agent with its params and result schemas. The agent validates the
// params of each request once, at its RPC entry; the fleet core validates each result once, in its
// RPC client. Names are stable once published: add fields and methods, never rename.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';
import {
  guestConfigSchema, guestStatusSchema, hostInfoSchema, psRowSchema, statRowSchema, unreadableGuestSchema,
} from '../domain/guest';
import { guestNameSchema, markSchema } from '../validation';
import { requestIdSchema } from './envelope';
import { checkWith, type Checked } from './checked';
import { isMethodOf, type MethodParams, type MethodParsedParams, type MethodResult } from './methodTable';
import {
  buildParamsSchema, capsResultSchema, capsSetParamsSchema, emptyResultSchema, enterParamsSchema, execParamsSchema, execStartedSchema,
  guestListEntrySchema, helloParamsSchema, helloResultSchema, limitResultSchema, limitSetParamsSchema, markedStartResultSchema,
  nameParamsSchema, noParamsSchema, resizeParamsSchema, signalParamsSchema, stdinParamsSchema, subscribeParamsSchema,
  unameResultSchema, unameSetParamsSchema, startParamsSchema, stopParamsSchema, deleteParamsSchema, migrationGuestParamsSchema,
  migrationInspectResultSchema, migrationProbeParamsSchema, migrationProbeResultSchema, migrationPrepareParamsSchema, migrationSyncParamsSchema,
  migrationSyncResultSchema, migrationArriveParamsSchema, migrationMarkParamsSchema, migrationFreezeParamsSchema, migrationAnnounceResultSchema,
  migrationVerifyParamsSchema, migrationVerifyResultSchema, migrationCleanupParamsSchema, migrationCleanupResultSchema, migrationListResultSchema,
  migrationMarkerSchema, sshPublicKeySchema, migrationReachParamsSchema, migrationReachResultSchema,
} from './schemas';
import {
  replicationFenceParamsSchema, replicationFenceResultSchema, replicationGuestParamsSchema, replicationListResultSchema, replicationPrepareParamsSchema,
  replicationPromoteParamsSchema, replicationPromoteResultSchema, replicationRemoveResultSchema, replicationScheduleParamsSchema, replicationSyncResultSchema,
} from './replicationSchemas';

const unreadableSchema = z.array(unreadableGuestSchema).optional();

export const agentMethods = {
  hello: { params: helloParamsSchema, result: helloResultSchema },
  info: { params: noParamsSchema, result: hostInfoSchema },
  list: { params: noParamsSchema, result: z.object({ guests: z.array(guestListEntrySchema), unreadable: unreadableSchema }) },
  status: { params: nameParamsSchema, result: guestStatusSchema },
  build: { params: buildParamsSchema, result: z.object({ config: guestConfigSchema }) },
  /** Probes each address of the guest on the host's network first (duplicate-address detection). */
  start: { params: startParamsSchema, result: guestStatusSchema },
  stop: { params: stopParamsSchema, result: guestStatusSchema },
  restart: { params: nameParamsSchema, result: guestStatusSchema },
  startMarked: { params: z.object({ mark: markSchema }).strict(), result: markedStartResultSchema },
  /** Output arrives as execOutput events, the end as one execExit event. */
  exec: { params: execParamsSchema, result: execStartedSchema },
  /** An interactive shell with a pty; same events as exec. */
  enter: { params: enterParamsSchema, result: execStartedSchema },
  stdin: { params: stdinParamsSchema, result: emptyResultSchema },
  resize: { params: resizeParamsSchema, result: emptyResultSchema },
  signal: { params: signalParamsSchema, result: emptyResultSchema },
  stat: { params: noParamsSchema, result: z.object({ rows: z.array(statRowSchema), unreadable: unreadableSchema }) },
  ps: {
    params: z.object({ name: guestNameSchema.optional() }).strict().optional(),
    result: z.object({ rows: z.array(psRowSchema), unreadable: unreadableSchema }),
  },
  limitGet: { params: nameParamsSchema, result: limitResultSchema },
  limitSet: { params: limitSetParamsSchema, result: limitResultSchema },
  capsGet: { params: nameParamsSchema, result: capsResultSchema },
  capsSet: { params: capsSetParamsSchema, result: capsResultSchema },
  unameGet: { params: nameParamsSchema, result: unameResultSchema },
  unameSet: { params: unameSetParamsSchema, result: unameResultSchema },
  delete: { params: deleteParamsSchema, result: z.object({ name: guestNameSchema, deleted: z.literal(true) }) },
  /** Result: the current state of every guest, the baseline that guestState events change. */
  subscribe: { params: subscribeParamsSchema, result: z.object({ guests: z.array(guestStatusSchema) }) },
  unsubscribe: { params: noParamsSchema, result: emptyResultSchema },
  /**
   * Stops the request `id` of this connection (build, start, restart, startMarked, migrationSync: CANCELLABLE_METHODS)
   * on the host: its tools are killed and what it made is removed or stopped; that request then
   * answers itself, with a `cancelled` error (or its result, had it already finished). `inFlight`:
   * whether the request was still running when the cancel arrived.
   */
  cancel: { params: z.object({ id: requestIdSchema }).strict(), result: z.object({ inFlight: z.boolean() }) },
  // Migration (feature "migration" in hello): see docs/architecture.md, "Migration".
  /** Takes the guest's lock for a migration and holds it in this agent process until migrationRelease or the process ends. */
  migrationHold: { params: migrationGuestParamsSchema, result: emptyResultSchema },
  migrationRelease: { params: migrationGuestParamsSchema, result: emptyResultSchema },
  /** Source: the guest's configuration, state, size on disk and the MAC answering for its addresses. */
  migrationInspect: { params: z.object({ name: guestNameSchema }).strict(), result: migrationInspectResultSchema },
  /** Target: whether it can take the guest (name, context id, addresses on its network, capabilities, disk). */
  migrationProbe: { params: migrationProbeParamsSchema, result: migrationProbeResultSchema },
  /** Source: a key pair made for this migration only (in the run directory); the public half. */
  migrationKey: { params: migrationGuestParamsSchema, result: z.object({ publicKey: sshPublicKeySchema }) },
  /** Target: the staging directory, and the source's key authorised for it alone (from=, restrict, rrsync). */
  migrationPrepare: { params: migrationPrepareParamsSchema, result: z.object({ staging: z.string() }) },
  /** Source: whether the target's sshd takes the migration's key from here (auto transport: else the core relays). */
  migrationReach: { params: migrationReachParamsSchema, result: migrationReachResultSchema },
  /** Source: one rsync round of the root and the configuration into the target's staging directory; progress as migrationProgress events. */
  migrationSync: { params: migrationSyncParamsSchema, result: migrationSyncResultSchema },
  /** Target: the copy received so far (staged or arrived) written to disk (syncfs of its filesystem). */
  migrationFlush: { params: migrationGuestParamsSchema, result: z.object({ durationMs: z.number().nonnegative() }) },
  /** Target: the staged copy becomes the guest, marked as this migration's arrival; with `start`, it is started too. */
  migrationArrive: {
    params: migrationArriveParamsSchema,
    result: z.object({
      config: guestConfigSchema,
      arrivalMs: z.number().nonnegative(),
      /** With `start`: the started copy's status and how long the start took after the arrival. */
      status: guestStatusSchema.optional(),
      startMs: z.number().nonnegative().optional(),
    }),
  },
  /** Sets or clears the guest's marker; "moved" also removes the autostart mark (kept in the marker). */
  migrationMark: { params: migrationMarkParamsSchema, result: z.object({ marker: migrationMarkerSchema.optional() }) },
  migrationFreeze: { params: migrationFreezeParamsSchema, result: guestStatusSchema },
  /** Target: gratuitous ARP for the guest's addresses from the host device that now answers for them. */
  migrationAnnounce: { params: migrationGuestParamsSchema, result: migrationAnnounceResultSchema },
  /** Target: init alive, and a TCP port of the guest accepting connections when one is named. */
  migrationVerify: { params: migrationVerifyParamsSchema, result: migrationVerifyResultSchema },
  /** Removes what the migration left on this host: key, authorised key, staging; an unfinished arrival on request. */
  migrationCleanup: { params: migrationCleanupParamsSchema, result: migrationCleanupResultSchema },
  /** Every marker, staging directory, key and hold of migrations on this host. */
  migrationList: { params: noParamsSchema, result: migrationListResultSchema },
  // Replication (feature "replication" in hello): see docs/architecture.md, "Replicas and failover".
  /** Source: the replication's key pair (kept in the state folder, root only); the public half. */
  replicationKey: { params: replicationGuestParamsSchema, result: z.object({ publicKey: sshPublicKeySchema }) },
  /** Replica host: the replica's directory, and the source's key authorised for this replica's gate alone. */
  replicationPrepare: { params: replicationPrepareParamsSchema, result: z.object({ directory: z.string() }) },
  /** Source: the schedule its replicator runs, the replicator started, and the first sync run now. */
  replicationSchedule: { params: replicationScheduleParamsSchema, result: replicationSyncResultSchema },
  /** Source: one sync now (the replicator's own step). */
  replicationSync: { params: replicationGuestParamsSchema, result: replicationSyncResultSchema },
  /** Schedules, replica markers and the replicator of this host. */
  replicationList: { params: noParamsSchema, result: replicationListResultSchema },
  /** Replica host: the replica becomes the guest (compare-and-set of its generation), takes its mark and starts; its addresses announced. */
  replicationPromote: { params: replicationPromoteParamsSchema, result: replicationPromoteResultSchema },
  /** Source: the stale copy of a promoted replica disabled (stopped, marked fenced, its mark removed, no more syncs). */
  replicationFence: { params: replicationFenceParamsSchema, result: replicationFenceResultSchema },
  /** Removes this host's part of a replication: schedule and key (source), authorised key and the unpromoted replica (replica host). */
  replicationRemove: { params: replicationGuestParamsSchema, result: replicationRemoveResultSchema },
} as const;

/** The methods a `cancel` really stops on the host; a caller cancelling another method just stops waiting. */
export const CANCELLABLE_METHODS: readonly AgentMethodName[] = ['build', 'start', 'restart', 'startMarked', 'migrationSync'];

type AgentMethods = typeof agentMethods;
export type AgentMethodName = keyof AgentMethods;
export type AgentParams<M extends AgentMethodName> = MethodParams<AgentMethods, M>;
export type AgentParsedParams<M extends AgentMethodName> = MethodParsedParams<AgentMethods, M>;
export type AgentResult<M extends AgentMethodName> = MethodResult<AgentMethods, M>;

export function isAgentMethod(method: string): method is AgentMethodName {
  return isMethodOf(agentMethods, method);
}

export function checkAgentParams<M extends AgentMethodName>(method: M, params: unknown): Checked<AgentParsedParams<M>> {
  return checkWith(agentMethods[method].params, params) as Checked<AgentParsedParams<M>>;
}

export function checkAgentResult<M extends AgentMethodName>(method: M, result: unknown): Checked<AgentResult<M>> {
  return checkWith(agentMethods[method].result, result) as Checked<AgentResult<M>>;
}
