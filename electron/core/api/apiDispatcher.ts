// The app API's entry: checks a call's parameters against the shared method table, keeps other
// changes off a guest while one runs, writes the call's audit entry around it, and hands the call
// to its action. The desktop IPC, the browser-mode bridge and the vfleet CLI all call in here
// through FleetApiSurface.
import type { z } from 'zod';
import { fleetApi, type FleetApiMethod, type FleetApiParams, type FleetApiParsedParams, type FleetApiResult } from '../../../shared/api/fleetApi';
import { guestTerminalRequestSchema, type GuestRef, type TerminalSize } from '../../../shared/api/guestActions';
import type { AuditedAction } from '../audit/auditLog';
import { fleetExec } from '../actions/fleetExec';
import type { FleetContext } from '../actions/fleetContext';
import { fleetStat } from '../actions/fleetStat';
import {
  buildCheck, buildGuest, deleteGuest, execGuest, guestCapabilities, guestLimits, guestProcesses, guestUname, restartGuest, startGuest, stopGuest,
} from '../actions/guestActions';
import { openGuestTerminal, type GuestTerminal, type TerminalHandlers } from '../actions/guestTerminal';
import {
  addHost, applyHostImport, approveHostKey, connectHosts, disconnectHosts, hostDefaults, previewHostImport, removeHost, updateHost,
} from '../actions/hostActions';
import type { DeltaListener } from '../inventory/fleetState';
import { HostError } from '../ssh/sshErrors';
import type { GuestLocks } from './guestLocks';

/** The whole surface a front end binds to: calls typed by the shared method table, the deltas feed, and terminals. */
export interface FleetApiSurface {
  invoke<M extends FleetApiMethod>(method: M, params: FleetApiParams<M>, signal?: AbortSignal): Promise<FleetApiResult<M>>;
  subscribe(listener: DeltaListener): () => void;
  /** A shell in the guest on a pty (a stream, not a call): resolves once it runs; audited as guest.enter. */
  openTerminal(ref: GuestRef, size: TerminalSize, handlers: TerminalHandlers, signal?: AbortSignal): Promise<GuestTerminal>;
}

/** A call refused before anything ran: its parameters do not match the method's schema. */
export class ApiParamsError extends Error {
  constructor(readonly method: string, issue: z.core.$ZodIssue | undefined) {
    super(`${method}: ${issue ? `${issue.path.join('.') || 'parameters'}: ${issue.message}` : 'invalid parameters'}`);
    this.name = 'ApiParamsError';
  }
}

/** The one validation of what a front end passes in: the parsed value, or ApiParamsError. */
function parseParams<S extends z.ZodType>(method: string, schema: S, params: unknown): z.output<S> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new ApiParamsError(method, parsed.error.issues[0]);
  return parsed.data;
}

type Run<M extends FleetApiMethod> = (context: FleetContext, params: FleetApiParsedParams<M>, signal?: AbortSignal) => Promise<FleetApiResult<M>> | FleetApiResult<M>;

/**
 * What the audit log records of a call: one entry, written once around it (see `audited`). Its
 * outcome: ok when the call returns; error with the message when it throws, a cancel included (in
 * its own words), or when `failure` finds one in the result.
 */
interface AuditDescription<M extends FleetApiMethod> {
  /** The entry's action name when it is not the method's own. */
  action?: string;
  /** The target and the detail recorded, from the parsed params (the log redacts secrets); undefined: this call only reads. */
  entry: (params: FleetApiParsedParams<M>) => Omit<AuditedAction, 'action'> | undefined;
  /** A failure the result reports instead of throwing, recorded like a thrown error's message. */
  failure?: (result: FleetApiResult<M>, params: FleetApiParsedParams<M>) => string | undefined;
  /** What the entry keeps of a successful result (measured figures). */
  detail?: (result: FleetApiResult<M>) => Record<string, unknown>;
}

interface MethodEntry<M extends FleetApiMethod> {
  run: Run<M>;
  /** The guest the call changes, held while it runs (the same ones the agent locks); reads and exec change none. */
  locks?: (params: FleetApiParsedParams<M>) => GuestRef | undefined;
  /** Absent: never audited (reads). */
  audit?: AuditDescription<M>;
}

/** A host's registry change, recorded with all its params. */
const hostChange = { entry: (params: { name: string }) => ({ host: params.name, params }) };
/** A change to a guest, recorded with all its params. */
const guestChange = { entry: (params: GuestRef) => ({ host: params.host, guest: params.guest, params }) };
/** Without `changes` these calls only read: no lock, no audit entry. */
const changesOf = (params: GuestRef & { changes?: unknown }): GuestRef | undefined => (params.changes ? params : undefined);
const guestChangeIfAny = { entry: (params: GuestRef & { changes?: unknown }) => (params.changes ? guestChange.entry(params) : undefined) };

const methods: { [M in FleetApiMethod]: MethodEntry<M> } = {
  'hosts.list': { run: (context) => context.registry.list() },
  'hosts.add': { run: addHost, audit: hostChange },
  'hosts.update': { run: updateHost, audit: hostChange },
  'hosts.remove': { run: removeHost, audit: hostChange },
  'hosts.approveKey': { run: approveHostKey, audit: hostChange },
  'hosts.importPreview': { run: previewHostImport },
  'hosts.importApply': { run: applyHostImport, audit: { action: 'hosts.import', entry: (params) => ({ params }) } },
  'hosts.defaults': { run: () => hostDefaults() },
  'hosts.connect': { run: connectHosts },
  'hosts.disconnect': { run: disconnectHosts },
  'inventory.snapshot': { run: (context) => context.state.snapshot() },
  'inventory.history': {
    run: (context, params) => {
      const history = context.state.history(params.host, params.guest);
      if (!history) throw new HostError(params.host, 'not in the fleet', 'permanent', params.guest);
      return history;
    },
  },
  'guest.buildCheck': { run: buildCheck },
  'guest.build': {
    run: buildGuest,
    locks: (params) => ({ host: params.host, guest: params.build.name }),
    audit: { entry: (params) => ({ host: params.host, guest: params.build.name, params }) },
  },
  'guest.start': { run: startGuest, locks: (params) => params, audit: guestChange },
  'guest.stop': { run: stopGuest, locks: (params) => params, audit: guestChange },
  'guest.restart': { run: restartGuest, locks: (params) => params, audit: guestChange },
  'guest.delete': { run: deleteGuest, locks: (params) => params, audit: guestChange },
  'guest.exec': {
    run: execGuest,
    audit: {
      // The input may be large or private; the command, its environment and directory are kept.
      entry: ({ stdin: _stdin, ...params }) => ({ host: params.host, guest: params.guest, params }),
      failure: (outcome, params) => outcome.error
        ?? (outcome.exitCode !== 0 ? `Host ${params.host}, guest ${params.guest}: '${params.argv[0]}' exited with code ${outcome.exitCode}` : undefined),
    },
  },
  'guest.limits': { run: guestLimits, locks: changesOf, audit: guestChangeIfAny },
  'guest.capabilities': { run: guestCapabilities, locks: changesOf, audit: guestChangeIfAny },
  'guest.uname': { run: guestUname, locks: changesOf, audit: guestChangeIfAny },
  // The coordinator holds the guest on both hosts itself, for as long as the migration (or its resolution) lasts.
  'guest.migrate': {
    run: (context, params, signal) => context.migrations.migrate(params, signal),
    audit: {
      entry: (params) => (params.checkOnly ? undefined : { host: params.host, guest: params.guest, params }),
      detail: (result) => ({
        migration: result.migration, to: result.to, xid: result.xid, downtimeMs: result.downtimeMs, totalMs: result.totalMs,
        bytesSent: result.bytesSent, rateBytesPerSecond: result.rateBytesPerSecond, rounds: result.rounds, transport: result.transport, sourceKept: result.sourceKept,
      }),
    },
  },
  'guest.migrationTargets': {
    run: async (context, params) => ({ host: params.host, guest: params.guest, ...await context.migrations.targets(params) }),
  },
  // One entry for the evacuation, each guest's outcome and target in its detail.
  'host.evacuate': {
    run: (context, params, signal) => context.migrations.evacuate(params, signal),
    audit: {
      entry: (params) => ({ host: params.host, params }),
      detail: (result) => ({ guests: result.guests.map((guest) => ({ guest: guest.guest, outcome: guest.outcome, to: guest.to })), stopped: result.stopped }),
    },
  },
  // The manager locks the replica host's guest itself; a promotion refused (busy, already promoted) is audited with its cause.
  'guest.replicate': {
    run: (context, params) => context.replicas.replicate(params),
    audit: { entry: (params) => ({ host: params.host, guest: params.guest, params }), detail: ({ replica }) => ({ replication: replica.replication, to: replica.to, sizeBytes: replica.sizeBytes }) },
  },
  'guest.replicateStop': { run: (context, params) => context.replicas.stop(params), locks: (params) => params, audit: guestChange },
  'guest.failover': {
    run: (context, params) => context.replicas.failover(params),
    audit: {
      entry: (params) => ({ host: params.host, guest: params.guest, params }),
      detail: (result) => ({ replication: result.replication, to: result.to, generation: result.generation, dataAgeMs: result.dataAgeMs, durationMs: result.durationMs }),
    },
  },
  'replicas.list': { run: (context) => context.replicas.list() },
  'migrations.list': { run: (context) => context.migrations.list() },
  'migrations.resolve': {
    run: async (context) => {
      await context.migrations.resolvePending();
      return context.migrations.list();
    },
    audit: { entry: () => ({ params: {} }) },
  },
  'migrations.abort': {
    run: (context, params) => context.migrations.abort(params.migration),
    audit: { entry: (params) => ({ params }), detail: (result) => ({ host: result.host, guest: result.guest, to: result.to, phase: result.phase }) },
  },
  // The one exception, no entry of its own: each target that runs is a guest.exec call with
  // guest.exec's entry (its own start time, duration and outcome); a target cancelled before its
  // turn or on a host that is not connected never ran and has none. Entries derived from the
  // result afterwards could not say when each target started, nor which ones ran.
  'fleet.exec': {
    run: (context, params, signal) => fleetExec(context, params, signal, (target, output) =>
      audited(context, 'guest.exec', target, () => execGuest(context, target, signal, output))),
  },
  'fleet.stat': { run: fleetStat },
  'guest.processes': { run: guestProcesses },
  'audit.query': { run: (context, params) => context.audit.query(params) },
  'settings.get': { run: (context) => context.settings.current() },
  'settings.update': { run: (context, params) => context.settings.update(params), audit: { entry: (params) => ({ params }) } },
};

/** Runs `work` (the call of `method` with these parsed params) with the method's audit entry, if it has one for them. */
async function audited<M extends FleetApiMethod>(
  context: FleetContext, method: M, params: FleetApiParsedParams<M>, work: () => Promise<FleetApiResult<M>> | FleetApiResult<M>,
): Promise<FleetApiResult<M>> {
  const description = methods[method].audit as AuditDescription<M> | undefined;
  const entry = description?.entry(params);
  if (!description || !entry) return work();
  const failure = description.failure;
  return context.audit.record({ action: description.action ?? method, ...entry }, async () => work(),
    failure ? (result) => failure(result, params) : undefined, description.detail);
}

export function createApiDispatcher(context: FleetContext, locks: GuestLocks): FleetApiSurface['invoke'] {
  return async <M extends FleetApiMethod>(method: M, params: FleetApiParams<M>, signal?: AbortSignal): Promise<FleetApiResult<M>> => {
    // The parsed value is what every action gets: nothing downstream validates it again.
    // TypeScript cannot correlate the schema's output with M; the table's type guarantees it.
    const data = parseParams(method, fleetApi[method].params, params) as FleetApiParsedParams<M>;
    const entry = methods[method] as MethodEntry<M>;
    const target = entry.locks?.(data);
    const release = target ? locks.acquire({ host: target.host, guest: target.guest }, method) : undefined;
    try {
      return await audited(context, method, data, () => entry.run(context, data, signal));
    } finally {
      release?.();
    }
  };
}

/** Opens terminals: the request validated like a call's params, the opening audited as guest.enter (the session's input is not). */
export function createTerminalOpener(context: FleetContext): FleetApiSurface['openTerminal'] {
  return (ref, size, handlers, signal) => {
    const request = parseParams('guest.enter', guestTerminalRequestSchema, { ...ref, ...size });
    return context.audit.record(
      { action: 'guest.enter', host: request.host, guest: request.guest, params: request },
      () => openGuestTerminal(context, request, handlers, signal),
    );
  };
}
