// One handler per agent method, over the same operations the CLI uses; params arrive validated,
// with the request's abort signal (a `cancel` of it, or the agent's shutdown).
import type { RequestId } from '../../../shared/protocol/envelope';
import type { AgentEventData } from '../../../shared/protocol/events';
import type { AgentMethodName, AgentParsedParams, AgentResult } from '../../../shared/protocol/methods';
import { getGuestCaps, getGuestUname, setGuestCaps, setGuestUname } from '../operations/attributeOperations';
import type { AgentContext } from '../operations/agentContext';
import { buildGuestLocked } from '../operations/buildOperation';
import { enterGuest, execInGuest } from '../operations/execOperations';
import { hello, info, listGuests, processRows, statRows } from '../operations/inventoryOperations';
import {
  deleteGuest, guestStatus, restartGuest, startGuest, startMarkedGuests, stopGuest,
} from '../operations/lifecycleOperations';
import { getGuestLimits, setGuestLimits } from '../operations/limitOperations';
import { migrationHandlers } from '../operations/migrationOperations';
import { replicationHandlers } from '../operations/replicationOperations';
import type { ExecSessions } from './execSessions';
import type { GuestStateWatcher } from './guestStateWatcher';
import type { HealthSampler } from './healthSampler';

export interface ConnectionState {
  sessions: ExecSessions;
  stateWatcher: GuestStateWatcher;
  healthSampler: HealthSampler;
  /** Aborts a running request of this connection; true when it was running. */
  cancelRequest(id: RequestId): boolean;
  /** Aborted when the agent is told to terminate: running builds clean up and stop. */
  shutdownSignal: AbortSignal;
  /** Sends a migrationProgress event to this connection's client. */
  migrationProgress: (data: AgentEventData<'migrationProgress'>) => void;
}

export type MethodHandlers = {
  [M in AgentMethodName]: (params: AgentParsedParams<M>, signal: AbortSignal) => Promise<AgentResult<M>>;
};

export function createMethodHandlers(context: AgentContext, connection: ConnectionState): MethodHandlers {
  const { sessions } = connection;
  return {
    hello: () => hello(context),
    info: () => info(context),
    list: () => listGuests(context),
    status: ({ name }) => guestStatus(context, name),
    build: (params, signal) => buildGuestLocked(context, params, signal),
    start: ({ name, force, migration }, signal) => startGuest(context, name, { force, migration, signal }),
    stop: ({ name, migration, kill }) => stopGuest(context, name, migration, kill === true),
    restart: ({ name }, signal) => restartGuest(context, name, signal),
    startMarked: ({ mark }, signal) => startMarkedGuests(context, mark, signal),
    exec: async ({ name, argv, tty, env, cwd, cols, rows }) => {
      sessions.assertRoom();
      const process = await execInGuest(context, name, argv, { tty, env, cwd });
      if (tty && cols && rows) await process.resize?.(cols, rows);
      return { session: sessions.adopt(name, process), pid: process.pid };
    },
    enter: async ({ name, cols, rows }) => {
      sessions.assertRoom();
      const process = await enterGuest(context, name);
      // Sized before the session is handed out, so the first command already sees the size.
      if (cols && rows) await process.resize?.(cols, rows);
      return { session: sessions.adopt(name, process), pid: process.pid };
    },
    stdin: async ({ session, data, eof }) => {
      await sessions.stdin(session, data, eof);
      return {};
    },
    resize: async ({ session, cols, rows }) => {
      await sessions.resize(session, cols, rows);
      return {};
    },
    signal: async ({ session, signal }) => {
      sessions.signal(session, signal);
      return {};
    },
    stat: () => statRows(context),
    ps: (params) => processRows(context, params?.name),
    limitGet: ({ name }) => getGuestLimits(context, name),
    limitSet: ({ name, limits }) => setGuestLimits(context, name, limits),
    capsGet: ({ name }) => getGuestCaps(context, name),
    capsSet: (params) => setGuestCaps(context, params),
    unameGet: ({ name }) => getGuestUname(context, name),
    unameSet: (params) => setGuestUname(context, params),
    delete: ({ name, migration }) => deleteGuest(context, name, migration),
    subscribe: async ({ guestState, healthIntervalMs }) => {
      const guests = await connection.stateWatcher.start();
      if (!guestState) connection.stateWatcher.stop();
      if (healthIntervalMs === undefined) connection.healthSampler.stop();
      else connection.healthSampler.start(healthIntervalMs);
      return { guests };
    },
    unsubscribe: async () => {
      connection.stateWatcher.stop();
      connection.healthSampler.stop();
      return {};
    },
    cancel: async ({ id }) => ({ inFlight: connection.cancelRequest(id) }),
    ...migrationHandlers(context, connection.migrationProgress),
    ...replicationHandlers(context),
  };
}
