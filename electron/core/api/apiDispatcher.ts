// The app API's entry: checks a call's parameters against the shared method table, keeps other
// changes off a guest while one runs, and hands the call to its action. The desktop IPC, the
// browser-mode bridge and the vfleet CLI all call in here through FleetApiSurface.
import { fleetApi, type FleetApiMethod, type FleetApiParams, type FleetApiParsedParams, type FleetApiResult } from '../../../shared/api/fleetApi';
import type { GuestRef } from '../../../shared/api/guestActions';
import { fleetExec } from '../actions/fleetExec';
import type { FleetContext } from '../actions/fleetContext';
import { fleetStat } from '../actions/fleetStat';
import {
  buildGuest, deleteGuest, execGuest, guestCapabilities, guestLimits, guestUname, restartGuest, startGuest, stopGuest,
} from '../actions/guestActions';
import {
  addHost, applyHostImport, approveHostKey, connectHosts, disconnectHosts, previewHostImport, removeHost, updateHost,
} from '../actions/hostActions';
import type { DeltaListener } from '../inventory/fleetState';
import { HostError } from '../ssh/sshErrors';
import type { GuestLocks } from './guestLocks';

/** The whole surface a front end binds to: calls typed by the shared method table, and the deltas feed. */
export interface FleetApiSurface {
  invoke<M extends FleetApiMethod>(method: M, params: FleetApiParams<M>, signal?: AbortSignal): Promise<FleetApiResult<M>>;
  subscribe(listener: DeltaListener): () => void;
}

type Handler = (context: FleetContext, params: never, signal?: AbortSignal) => Promise<unknown> | unknown;

const handlers: { [M in FleetApiMethod]: (context: FleetContext, params: FleetApiParsedParams<M>, signal?: AbortSignal) => Promise<FleetApiResult<M>> | FleetApiResult<M> } = {
  'hosts.list': (context) => context.registry.list(),
  'hosts.add': addHost,
  'hosts.update': updateHost,
  'hosts.remove': removeHost,
  'hosts.approveKey': approveHostKey,
  'hosts.importPreview': previewHostImport,
  'hosts.importApply': applyHostImport,
  'hosts.connect': connectHosts,
  'hosts.disconnect': disconnectHosts,
  'inventory.snapshot': (context) => context.state.snapshot(),
  'inventory.history': (context, params) => {
    const history = context.state.history(params.host, params.guest);
    if (!history) throw new HostError(params.host, 'not in the fleet', 'permanent', params.guest);
    return history;
  },
  'guest.build': buildGuest,
  'guest.start': startGuest,
  'guest.stop': stopGuest,
  'guest.restart': restartGuest,
  'guest.delete': deleteGuest,
  'guest.exec': execGuest,
  'guest.limits': guestLimits,
  'guest.capabilities': guestCapabilities,
  'guest.uname': guestUname,
  'fleet.exec': fleetExec,
  'fleet.stat': fleetStat,
  'audit.query': (context, params) => context.audit.query(params),
};

/** The guest a call changes (the same ones the agent locks); reads and exec change none. */
const changedGuest: { [M in FleetApiMethod]?: (params: FleetApiParsedParams<M>) => GuestRef | undefined } = {
  'guest.build': (params) => ({ host: params.host, guest: params.build.name }),
  'guest.start': (params) => params,
  'guest.stop': (params) => params,
  'guest.restart': (params) => params,
  'guest.delete': (params) => params,
  'guest.limits': (params) => (params.changes ? params : undefined),
  'guest.capabilities': (params) => (params.changes ? params : undefined),
  'guest.uname': (params) => (params.changes ? params : undefined),
};

export function createApiDispatcher(context: FleetContext, locks: GuestLocks): FleetApiSurface['invoke'] {
  return async (method, params, signal) => {
    // The one validation of the parameters of an API call, whoever makes it.
    const spec = fleetApi[method];
    const parsed = spec.params.safeParse(params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${method}: ${issue ? `${issue.path.join('.') || 'parameters'}: ${issue.message}` : 'invalid parameters'}`);
    }
    // TypeScript cannot correlate a method's entries in these maps with its params; the maps' types guarantee it.
    // The parsed value is what every action gets: nothing downstream validates it again.
    const target = (changedGuest[method] as ((params: never) => GuestRef | undefined) | undefined)?.(parsed.data as never);
    const release = target ? locks.acquire({ host: target.host, guest: target.guest }, method) : undefined;
    try {
      const handler = handlers[method] as unknown as Handler;
      return await handler(context, parsed.data as never, signal) as FleetApiResult<typeof method>;
    } finally {
      release?.();
    }
  };
}
