// The fleet core's side of one front end (a desktop window over IPC, a page over browser mode's
// WebSocket), whatever carries the messages: each message is checked against shared/api/bridge.ts
// before anything runs; calls go through the core's API with a cancel each, the fleet feed is a
// snapshot and then deltas in batches, terminals run through the core's openTerminal. When the
// front end goes, its calls are cancelled, its terminals hung up and its feed ended.
import { randomUUID } from 'node:crypto';
import {
  BRIDGE_MAX_MESSAGE_BYTES, bridgeClientMessageSchema, type BridgeClientMessage, type BridgeError, type BridgeServerMessage,
} from '../../../shared/api/bridge';
import { isFleetApiMethod } from '../../../shared/api/fleetApi';
import type { FleetDelta } from '../../../shared/api/fleetState';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { ProtocolError } from '../../../shared/protocol/errors';
import { describeIssues } from '../../../shared/protocol/checked';
import type { GuestTerminal } from '../actions/guestTerminal';
import { AgentCallError } from '../agent/agentRpcClient';
import { ApiParamsError } from '../api/apiDispatcher';
import { GuestBusyError } from '../api/guestLocks';
import type { FleetCore } from '../fleet';
import { HostRegistryError } from '../hosts/hostRegistryError';
import { HostError } from '../ssh/sshErrors';

/** Deltas are sent at most this often, in one message (a busy fleet makes many per sample). */
export const DELTA_BATCH_MS = 50;

export interface BridgeConnectionOptions {
  /** One line per refused message or failed terminal operation; never a message's content. */
  log: (line: string) => void;
}

export interface BridgeConnection {
  /** One message as the transport received it (a WebSocket text frame, an IPC payload). */
  receive(raw: unknown): void;
  /** The front end is gone: everything it started ends. */
  close(): void;
}

export type BridgeCore = Pick<FleetCore, 'invoke' | 'subscribe' | 'snapshot' | 'openTerminal'>;

/** An error as the front end shows it: the message, the host and guest as fields, and what kind of end it was. */
export function bridgeErrorOf(error: unknown, cancelled: boolean): BridgeError {
  const message = error instanceof Error ? error.message : String(error);
  const place = error instanceof HostError ? { host: error.host, ...(error.guest !== undefined ? { guest: error.guest } : {}) }
    : error instanceof ProtocolError ? { ...(error.host !== undefined ? { host: error.host } : {}), ...(error.guest !== undefined ? { guest: error.guest } : {}) }
      : error instanceof HostRegistryError ? { host: error.hostName }
        : {};
  const busy = error instanceof GuestBusyError
    || ((error instanceof AgentCallError || error instanceof ProtocolError) && error.code === ERROR_CODES.busy);
  const kind = cancelled ? 'cancelled'
    : error instanceof ApiParamsError || error instanceof HostRegistryError ? 'invalid'
      : busy ? 'busy'
        : 'failed';
  return { message, ...place, kind };
}

export function openBridgeConnection(core: BridgeCore, send: (message: BridgeServerMessage) => void, options: BridgeConnectionOptions): BridgeConnection {
  const { log } = options;
  let closed = false;
  /** Calls and terminal openings in flight, by request id. */
  const running = new Map<number, AbortController>();
  const terminals = new Map<string, GuestTerminal>();
  let feed: { unsubscribe: () => void; pending: FleetDelta[]; timer: NodeJS.Timeout | undefined } | undefined;

  const emit = (message: BridgeServerMessage): void => { if (!closed) send(message); };
  const encodedBytes = (message: BridgeServerMessage): number => Buffer.byteLength(JSON.stringify(message), 'utf8');

  /** A front end refuses what is over the limit, so an answer that big becomes an error saying so. */
  const answerCall = (id: number, method: string, result: unknown): void => {
    const message: BridgeServerMessage = { type: 'result', id, result };
    const bytes = encodedBytes(message);
    if (bytes <= BRIDGE_MAX_MESSAGE_BYTES) {
      emit(message);
      return;
    }
    log(`call ${id}: the answer to ${method} is ${bytes} bytes, over the limit of ${BRIDGE_MAX_MESSAGE_BYTES}; sent as an error`);
    emit({ type: 'error', id, error: { kind: 'failed', message: `The answer to ${method} is ${bytes} bytes, more than a front end takes (${BRIDGE_MAX_MESSAGE_BYTES} bytes); ask for less (fewer targets, less output).` } });
  };

  /** Deltas in batches a front end takes: a batch over the limit goes as several, in order. */
  const emitDeltas = (deltas: FleetDelta[]): void => {
    if (deltas.length > 1 && encodedBytes({ type: 'deltas', deltas }) > BRIDGE_MAX_MESSAGE_BYTES) {
      const half = Math.ceil(deltas.length / 2);
      emitDeltas(deltas.slice(0, half));
      emitDeltas(deltas.slice(half));
    } else if (deltas.length > 0) {
      emit({ type: 'deltas', deltas });
    }
  };
  const refuse = (reason: string): void => {
    log(`refused a message: ${reason}`);
    emit({ type: 'refused', reason });
  };

  /**
   * Runs one request under its id: its answer is its result, or its error (cancelled when the
   * front end cancelled it). `unwanted` disposes of a result nobody will use (cancelled, or the
   * front end gone): a terminal that opened anyway is hung up.
   */
  const track = <T>(id: number, work: (signal: AbortSignal) => Promise<T>, answer: (result: T) => void, unwanted?: (result: T) => void): void => {
    if (running.has(id)) {
      refuse(`request id ${id} is still in use by a running request`);
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    work(controller.signal).then((result) => {
      running.delete(id);
      if (closed || controller.signal.aborted) {
        unwanted?.(result);
        emit({ type: 'error', id, error: { message: 'cancelled by the front end', kind: 'cancelled' } });
      } else {
        answer(result);
      }
    }, (error: unknown) => {
      running.delete(id);
      emit({ type: 'error', id, error: bridgeErrorOf(error, controller.signal.aborted) });
    });
  };

  const stopFeed = (): void => {
    if (!feed) return;
    feed.unsubscribe();
    if (feed.timer) clearTimeout(feed.timer);
    feed = undefined;
  };

  const startFeed = (): void => {
    // A second subscribe starts over: the snapshot covers whatever was still pending.
    stopFeed();
    emit({ type: 'snapshot', snapshot: core.snapshot() });
    const state = { pending: [] as FleetDelta[], timer: undefined as NodeJS.Timeout | undefined, unsubscribe: () => undefined as void };
    const flush = (): void => {
      state.timer = undefined;
      const deltas = state.pending.splice(0);
      emitDeltas(deltas);
    };
    state.unsubscribe = core.subscribe((delta) => {
      state.pending.push(delta);
      state.timer ??= setTimeout(flush, DELTA_BATCH_MS);
    });
    feed = state;
  };

  const openTerminal = (message: Extract<BridgeClientMessage, { type: 'terminalOpen' }>): void => {
    const terminal = randomUUID();
    // Output can come before the front end knows the terminal's id: it waits for the answer.
    let held: BridgeServerMessage[] | undefined = [];
    const toFrontEnd = (out: BridgeServerMessage): void => { if (held) held.push(out); else emit(out); };
    track(message.id, (signal) => core.openTerminal(message.ref, { cols: message.cols, rows: message.rows }, {
      output: (bytes) => toFrontEnd({ type: 'terminalOutput', terminal, data: bytes.toString('base64') }),
      exit: (code, reason) => {
        terminals.delete(terminal);
        if (reason) toFrontEnd({ type: 'terminalOutput', terminal, data: Buffer.from(`\r\n[vfleet: ${reason}]\r\n`).toString('base64') });
        toFrontEnd({ type: 'terminalExit', terminal, code });
      },
    }, signal), (handle) => {
      terminals.set(terminal, handle);
      emit({ type: 'result', id: message.id, result: { terminal } });
      for (const out of held ?? []) emit(out);
      held = undefined;
    }, (handle) => void handle.close());
  };

  const terminalOf = (terminal: string): GuestTerminal | undefined => {
    const handle = terminals.get(terminal);
    if (!handle) refuse(`there is no open terminal ${terminal}`);
    return handle;
  };

  const handle = (message: BridgeClientMessage): void => {
    switch (message.type) {
      case 'call': {
        const { id, method, params } = message;
        if (!isFleetApiMethod(method)) {
          log(`refused call ${id}: unknown method ${JSON.stringify(method)}`);
          emit({ type: 'error', id, error: { message: `There is no API method ${JSON.stringify(method)}.`, kind: 'invalid' } });
          return;
        }
        // The core's dispatcher validates params against the method's schema, once.
        track(id, (signal) => core.invoke(method, params as never, signal), (result) => answerCall(id, method, result));
        return;
      }
      case 'cancel':
        // A call that already ended has nothing to cancel; its answer is on its way.
        running.get(message.id)?.abort(new Error('cancelled by the front end'));
        return;
      case 'subscribe':
        startFeed();
        return;
      case 'unsubscribe':
        stopFeed();
        return;
      case 'terminalOpen':
        openTerminal(message);
        return;
      case 'terminalInput':
        terminalOf(message.terminal)?.write(message.data).catch((error: unknown) => {
          log(`terminal ${message.terminal}: input not delivered: ${bridgeErrorOf(error, false).message}`);
          emit({ type: 'terminalOutput', terminal: message.terminal, data: Buffer.from(`\r\n[vfleet: input not delivered: ${bridgeErrorOf(error, false).message}]\r\n`).toString('base64') });
        });
        return;
      case 'terminalResize':
        terminalOf(message.terminal)?.resize({ cols: message.cols, rows: message.rows }).catch((error: unknown) => {
          log(`terminal ${message.terminal}: resize failed: ${bridgeErrorOf(error, false).message}`);
        });
        return;
      case 'terminalClose':
        void terminalOf(message.terminal)?.close();
        return;
    }
  };

  return {
    receive(raw) {
      if (closed) return;
      if (typeof raw !== 'string') {
        refuse('a message is one JSON text');
        return;
      }
      const bytes = Buffer.byteLength(raw, 'utf8');
      if (bytes > BRIDGE_MAX_MESSAGE_BYTES) {
        refuse(`a message of ${bytes} bytes is over the limit of ${BRIDGE_MAX_MESSAGE_BYTES} bytes`);
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        refuse('the message is not JSON');
        return;
      }
      const parsed = bridgeClientMessageSchema.safeParse(value);
      if (!parsed.success) {
        refuse(`not a bridge message: ${describeIssues(parsed.error)}`);
        return;
      }
      handle(parsed.data);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const controller of running.values()) controller.abort(new Error('the front end closed'));
      running.clear();
      for (const terminal of terminals.values()) void terminal.close();
      terminals.clear();
      stopFeed();
    },
  };
}
