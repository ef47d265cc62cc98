// The preload's half of window.vfleet: builds the DesktopApi (shared/api/desktopApi.ts) on a
// transport that carries bridge messages as JSON strings (ipcRenderer in the preload). It keeps
// the calls in flight, the feed's listeners and the open terminals. It checks what it sends with
// the bridge schema the core checks it with, so a message the core would refuse without an id to
// answer (a terminal too small, an oversized call) fails here at once instead of waiting forever.
// Plain TypeScript without Electron, so it runs in Node too.
import {
  BRIDGE_MAX_MESSAGE_BYTES, bridgeClientMessageSchema, type BridgeClientMessage, type BridgeError, type BridgeServerMessage,
} from '../../shared/api/bridge';
import {
  desktopApiMethodNames, type DesktopApi, type DesktopApiMethods, type DesktopOutcome, type DesktopTerminalListener,
} from '../../shared/api/desktopApi';
import type { FleetApiMethod } from '../../shared/api/fleetApi';
import type { FleetDelta, FleetSnapshot } from '../../shared/api/fleetState';
import { checkWith } from '../../shared/protocol/checked';

export interface DesktopTransport {
  send(raw: string): void;
  onMessage(listener: (raw: string) => void): void;
  onNavigate(listener: (route: string) => void): void;
}

interface FeedListener {
  snapshot(snapshot: FleetSnapshot): void;
  deltas(deltas: FleetDelta[]): void;
}

const encoder = new TextEncoder();
const invalid = (message: string): DesktopOutcome<never> => ({ ok: false, error: { message, kind: 'invalid' } });

export function createDesktopApi(transport: DesktopTransport, log: (line: string) => void): DesktopApi {
  let nextId = 0;
  const pending = new Map<number, (outcome: DesktopOutcome<unknown>) => void>();
  const cancelKeys = new Map<string, number>();
  const feed = new Set<FeedListener>();
  const terminals = new Map<string, DesktopTerminalListener>();
  const navigateListeners = new Set<(route: string) => void>();

  /** Sends a message; returns why not (nothing sent) when the bridge would refuse it. */
  const send = (message: BridgeClientMessage): string | undefined => {
    const checked = checkWith(bridgeClientMessageSchema, message);
    if (!checked.ok) return `not a message the app accepts: ${checked.problem}`;
    const raw = JSON.stringify(message);
    const bytes = encoder.encode(raw).length;
    if (bytes > BRIDGE_MAX_MESSAGE_BYTES) return `the request is ${bytes} bytes, more than the ${BRIDGE_MAX_MESSAGE_BYTES} the app accepts`;
    transport.send(raw);
    return undefined;
  };

  /** Sends a message that has an id and resolves with the answer for that id; `settled` runs as the answer arrives. */
  const request = <T>(
    build: (id: number) => BridgeClientMessage,
    { cancelKey, settled }: { cancelKey?: string | undefined; settled?: (outcome: DesktopOutcome<T>) => void } = {},
  ): Promise<DesktopOutcome<T>> => {
    if (cancelKey !== undefined && cancelKeys.has(cancelKey)) return Promise.resolve(invalid(`the cancel key ${cancelKey} is already used by a call in flight`));
    const id = nextId++;
    return new Promise<DesktopOutcome<T>>((resolve) => {
      const refused = send(build(id));
      if (refused !== undefined) return resolve(invalid(refused));
      if (cancelKey !== undefined) cancelKeys.set(cancelKey, id);
      pending.set(id, (outcome) => {
        if (cancelKey !== undefined) cancelKeys.delete(cancelKey);
        settled?.(outcome as DesktopOutcome<T>);
        resolve(outcome as DesktopOutcome<T>);
      });
    });
  };

  const settle = (id: number, outcome: DesktopOutcome<unknown>): void => {
    const resolve = pending.get(id);
    if (!resolve) return log(`vfleet: an answer for request ${id}, which is not in flight`);
    pending.delete(id);
    resolve(outcome);
  };

  const receive = (raw: string): void => {
    let message: BridgeServerMessage;
    try {
      message = JSON.parse(raw) as BridgeServerMessage;
    } catch {
      return log('vfleet: the main process sent a message that is not JSON');
    }
    switch (message.type) {
      case 'result': return settle(message.id, { ok: true, value: message.result });
      case 'error': return settle(message.id, { ok: false, error: message.error as BridgeError });
      case 'snapshot': for (const listener of [...feed]) listener.snapshot(message.snapshot); return;
      case 'deltas': for (const listener of [...feed]) listener.deltas(message.deltas); return;
      case 'terminalOutput': terminals.get(message.terminal)?.output(message.data); return;
      case 'terminalExit': {
        const listener = terminals.get(message.terminal);
        terminals.delete(message.terminal);
        listener?.exit(message.code);
        return;
      }
      case 'refused': return log(`vfleet: the app refused a message: ${message.reason}`);
      default: return log(`vfleet: the main process sent an unknown message type ${String((message as { type?: unknown }).type)}`);
    }
  };
  transport.onMessage(receive);
  transport.onNavigate((route) => { for (const listener of [...navigateListeners]) listener(route); });

  const call = (method: FleetApiMethod, params: unknown, cancelKey?: string): Promise<DesktopOutcome<unknown>> =>
    request((id) => ({ type: 'call', id, method, params }), { cancelKey });
  const methods = Object.freeze(Object.fromEntries(
    desktopApiMethodNames.map((method) => [method, (params: unknown, cancelKey?: string) => call(method, params, cancelKey)]),
  )) as unknown as DesktopApiMethods;

  return {
    methods,
    cancel(cancelKey) {
      const id = cancelKeys.get(cancelKey);
      if (id !== undefined) send({ type: 'cancel', id });
    },
    subscribe(onSnapshot, onDeltas) {
      const listener: FeedListener = { snapshot: onSnapshot, deltas: onDeltas };
      feed.add(listener);
      // Every subscribe is answered with a fresh snapshot: a new listener starts from one, the others re-base on it.
      send({ type: 'subscribe' });
      return () => {
        if (feed.delete(listener) && feed.size === 0) send({ type: 'unsubscribe' });
      };
    },
    terminalOpen(ref, size, listener) {
      // Registered as the answer arrives, before the terminal's first output can.
      return request<{ terminal: string }>((id) => ({ type: 'terminalOpen', id, ref, cols: size.cols, rows: size.rows }), {
        settled: (outcome) => { if (outcome.ok) terminals.set(outcome.value.terminal, listener); },
      });
    },
    terminalInput(terminal, data) {
      const refused = send({ type: 'terminalInput', terminal, data });
      if (refused !== undefined) log(`vfleet: terminal input not sent: ${refused}`);
    },
    terminalResize(terminal, size) {
      const refused = send({ type: 'terminalResize', terminal, cols: size.cols, rows: size.rows });
      if (refused !== undefined) log(`vfleet: terminal resize not sent: ${refused}`);
    },
    terminalClose(terminal) {
      const refused = send({ type: 'terminalClose', terminal });
      if (refused !== undefined) log(`vfleet: terminal close not sent: ${refused}`);
    },
    onNavigate(listener) {
      navigateListeners.add(listener);
      return () => { navigateListeners.delete(listener); };
    },
  };
}
