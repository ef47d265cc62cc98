// The VfleetClient of browser mode: shared/api/bridge.ts over a WebSocket to the page's own origin
// at /bridge (the HttpOnly cookie browser mode set from its token goes with the upgrade). Every
// server message is validated before use (an invalid one is logged and dropped) and every result
// against its method's schema; a lost socket fails the calls and terminals in flight, is
// reopened with backoff, and the fleet feed starts again with a fresh snapshot.
import { bridgeServerMessageSchema, type BridgeClientMessage, type BridgeError, type BridgeServerMessage } from '../../../shared/api/bridge';
import { fleetApi, type FleetApiMethod, type FleetApiParams, type FleetApiResult } from '../../../shared/api/fleetApi';
import type { FleetDelta, FleetSnapshot } from '../../../shared/api/fleetState';
import type { GuestRef } from '../../../shared/api/guestActions';
import { markBridgeOpen } from '../app/performanceMarks';
import { LinkStatusCell, type LinkStatusSource } from './linkStatus';
import {
  VfleetCallError, type TerminalHandle, type TerminalHandlers, type TerminalSize, type VfleetClient,
} from './vfleetClient';

const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5_000;
/** Output of a terminal whose open has not been answered yet is held, up to this many messages. */
const EARLY_OUTPUT_LIMIT = 256;

interface PendingCall {
  /** Validates and unwraps the result ('result' messages carry unknown). */
  settle(result: unknown): void;
  fail(error: BridgeError): void;
}

interface FeedListener {
  onSnapshot(snapshot: FleetSnapshot): void;
  onDeltas(deltas: FleetDelta[]): void;
}

export interface WebSocketClientOptions {
  /** ws:// or wss:// address of the bridge; default: /bridge on the page's origin. */
  url?: string;
}

export interface WebSocketClient extends VfleetClient {
  readonly link: LinkStatusSource;
  /** Closes the socket for good (no reconnect). */
  close(): void;
}

function bridgeUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/bridge`;
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

const lostError: BridgeError = { kind: 'failed', message: 'The connection to the fleet core was lost before it answered; the call may or may not have run. Check the Activity view, then try again.' };

export function createWebSocketClient(options: WebSocketClientOptions = {}): WebSocketClient {
  const url = options.url ?? bridgeUrl();
  const link = new LinkStatusCell({ state: 'connecting', attempt: 0 });
  const pending = new Map<number, PendingCall>();
  const terminals = new Map<string, TerminalHandlers>();
  const earlyOutput = new Map<string, BridgeServerMessage[]>();
  const feed = new Set<FeedListener>();
  const outbox: BridgeClientMessage[] = [];
  let nextId = 1;
  let socket: WebSocket | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function send(message: BridgeClientMessage): void {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    else outbox.push(message);
  }

  function open(): void {
    const attempt = link.get().attempt;
    link.set({ ...link.get(), state: attempt === 0 ? 'connecting' : 'lost', retryAt: undefined });
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      link.set({ state: 'open', attempt: 0 });
      markBridgeOpen();
      // One subscribe for the feed as it is now, whatever was queued while the socket was down.
      const queued = outbox.splice(0).filter((message) => message.type !== 'subscribe' && message.type !== 'unsubscribe');
      if (feed.size > 0) ws.send(JSON.stringify({ type: 'subscribe' } satisfies BridgeClientMessage));
      for (const message of queued) ws.send(JSON.stringify(message));
    });
    ws.addEventListener('message', (event) => receive(event.data));
    ws.addEventListener('close', (event) => {
      if (socket !== ws) return;
      socket = undefined;
      dropInFlight();
      if (closed) return;
      const failures = link.get().state === 'open' ? 0 : link.get().attempt;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** failures) * (0.75 + Math.random() * 0.5);
      const reason = event.reason || (event.code === 1006 ? 'the socket closed without a reason (core stopped, or the page was opened without its token)' : `closed with code ${event.code}`);
      link.set({ state: 'lost', attempt: failures + 1, retryAt: Date.now() + delay, reason });
      retryTimer = setTimeout(open, delay);
    });
  }

  /** Calls and terminals of a lost socket end now; queued calls wait for the next socket. */
  function dropInFlight(): void {
    const calls = [...pending.values()];
    pending.clear();
    for (const call of calls) call.fail(lostError);
    const open = [...terminals.values()];
    terminals.clear();
    earlyOutput.clear();
    for (const handlers of open) handlers.exit(-1);
  }

  function receive(data: unknown): void {
    let value: unknown;
    try {
      value = JSON.parse(typeof data === 'string' ? data : '');
    } catch {
      console.error('vfleet bridge: dropped a message that is not JSON');
      return;
    }
    const parsed = bridgeServerMessageSchema.safeParse(value);
    if (!parsed.success) {
      console.error(`vfleet bridge: dropped an invalid message: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      return;
    }
    dispatch(parsed.data);
  }

  function dispatch(message: BridgeServerMessage): void {
    switch (message.type) {
      case 'result': {
        const call = pending.get(message.id);
        pending.delete(message.id);
        call?.settle(message.result);
        return;
      }
      case 'error': {
        const call = pending.get(message.id);
        pending.delete(message.id);
        call?.fail(message.error);
        return;
      }
      case 'snapshot':
        for (const listener of feed) listener.onSnapshot(message.snapshot);
        return;
      case 'deltas':
        for (const listener of feed) listener.onDeltas(message.deltas);
        return;
      case 'terminalOutput':
      case 'terminalExit': {
        const handlers = terminals.get(message.terminal);
        if (!handlers) {
          const held = earlyOutput.get(message.terminal) ?? [];
          if (held.length < EARLY_OUTPUT_LIMIT) earlyOutput.set(message.terminal, [...held, message]);
          return;
        }
        deliverTerminal(handlers, message);
        return;
      }
      case 'refused':
        console.error(`vfleet bridge: the core refused a message: ${message.reason}`);
        return;
    }
  }

  function deliverTerminal(handlers: TerminalHandlers, message: BridgeServerMessage): void {
    if (message.type === 'terminalOutput') handlers.output(decodeBase64(message.data));
    else if (message.type === 'terminalExit') {
      terminals.delete(message.terminal);
      handlers.exit(message.code);
    }
  }

  function request(id: number, message: BridgeClientMessage, settle: (result: unknown) => void, fail: (error: BridgeError) => void, signal?: AbortSignal): void {
    if (signal?.aborted) {
      fail({ kind: 'cancelled', message: 'Cancelled before it was sent.' });
      return;
    }
    const onAbort = (): void => {
      const queued = outbox.indexOf(message);
      if (queued >= 0) {
        outbox.splice(queued, 1);
        pending.delete(id);
        fail({ kind: 'cancelled', message: 'Cancelled before it was sent.' });
      } else if (pending.has(id)) send({ type: 'cancel', id });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.set(id, {
      settle: (result) => {
        signal?.removeEventListener('abort', onAbort);
        settle(result);
      },
      fail: (error) => {
        signal?.removeEventListener('abort', onAbort);
        fail(error);
      },
    });
    send(message);
  }

  const client: WebSocketClient = {
    link,

    call<M extends FleetApiMethod>(method: M, params: FleetApiParams<M>, callOptions: { signal?: AbortSignal } = {}): Promise<FleetApiResult<M>> {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        request(id, { type: 'call', id, method, params }, (result) => {
          const checked = fleetApi[method].result.safeParse(result);
          if (checked.success) resolve(checked.data as FleetApiResult<M>);
          else reject(new VfleetCallError({ kind: 'failed', message: `The core's answer to ${method} does not match the API contract (${checked.error.issues[0]?.message ?? 'invalid'}); the core and this page may be of different versions: reload the page.` }));
        }, (error) => reject(new VfleetCallError(error)), callOptions.signal);
      });
    },

    subscribe(onSnapshot, onDeltas) {
      const listener: FeedListener = { onSnapshot, onDeltas };
      feed.add(listener);
      // Each subscribe is answered with a snapshot, so a late subscriber starts from one too.
      send({ type: 'subscribe' });
      return () => {
        feed.delete(listener);
        if (feed.size === 0) send({ type: 'unsubscribe' });
      };
    },

    openTerminal(ref: GuestRef, size: TerminalSize, handlers: TerminalHandlers): Promise<TerminalHandle> {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        request(id, { type: 'terminalOpen', id, ref, cols: size.cols, rows: size.rows }, (result) => {
          const terminal = typeof result === 'object' && result !== null && 'terminal' in result ? result.terminal : undefined;
          if (typeof terminal !== 'string') {
            reject(new VfleetCallError({ kind: 'failed', host: ref.host, guest: ref.guest, message: 'The core answered the terminal request without a terminal id; reload the page.' }));
            return;
          }
          terminals.set(terminal, handlers);
          for (const message of earlyOutput.get(terminal) ?? []) deliverTerminal(handlers, message);
          earlyOutput.delete(terminal);
          // A terminal that exited, was closed or lost with its socket takes no more input.
          resolve({
            write: (data) => {
              if (terminals.has(terminal)) send({ type: 'terminalInput', terminal, data });
            },
            resize: ({ cols, rows }) => {
              if (terminals.has(terminal)) send({ type: 'terminalResize', terminal, cols, rows });
            },
            close: () => {
              if (terminals.delete(terminal)) send({ type: 'terminalClose', terminal });
            },
          });
        }, (error) => reject(new VfleetCallError(error)));
      });
    },

    close() {
      closed = true;
      clearTimeout(retryTimer);
      socket?.close();
    },
  };

  open();
  return client;
}
