// The wire protocol between a front end (the renderer) and the fleet core, one and the same over
// the desktop app's IPC and browser mode's WebSocket: calls of the app API (fleetApi) with cancel,
// the fleet feed (a snapshot, then batches of deltas), and terminals into guests. Each message is
// one JSON value; the receiving side validates every message it gets with these schemas and
// refuses (and logs) anything else, a message over BRIDGE_MAX_MESSAGE_BYTES included.
import { z } from 'zod';
import { fleetDeltaSchema, fleetSnapshotSchema } from './fleetState';
import { guestRefSchema, terminalSizeSchema } from './guestActions';

/** Largest message either side accepts, as encoded UTF-8 JSON: room for a guest.exec's 1 MB of stdin. */
export const BRIDGE_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

const requestId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const terminalId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a terminal id');
const terminalSize = terminalSizeSchema.shape;

export const bridgeClientMessageSchema = z.discriminatedUnion('type', [
  /** One app API call; the method is checked against fleetApi and params against its schema by the core. */
  z.object({ type: z.literal('call'), id: requestId, method: z.string().min(1).max(64), params: z.unknown() }).strict(),
  /** Aborts the call with this id (its AbortSignal fires); it then ends with an error saying it was cancelled. */
  z.object({ type: z.literal('cancel'), id: requestId }).strict(),
  /** Starts the fleet feed: the server answers with one 'snapshot', then 'deltas' batches. */
  z.object({ type: z.literal('subscribe') }).strict(),
  z.object({ type: z.literal('unsubscribe') }).strict(),
  /** Opens a shell in the guest on a pty (the agent's enter); answered by 'result' { terminal } for this id. */
  z.object({ type: z.literal('terminalOpen'), id: requestId, ref: guestRefSchema, ...terminalSize }).strict(),
  /** Keystrokes, UTF-8 as typed. */
  z.object({ type: z.literal('terminalInput'), terminal: terminalId, data: z.string().max(64 * 1024) }).strict(),
  z.object({ type: z.literal('terminalResize'), terminal: terminalId, ...terminalSize }).strict(),
  /** Hangs the terminal up (SIGHUP to its shell). */
  z.object({ type: z.literal('terminalClose'), terminal: terminalId }).strict(),
]);
export type BridgeClientMessage = z.infer<typeof bridgeClientMessageSchema>;

/** An error as a front end shows it: the whole message, and the host and guest it concerns as fields. */
export const bridgeErrorSchema = z.object({
  message: z.string(),
  host: z.string().optional(),
  guest: z.string().optional(),
  /** 'invalid': the request was refused before anything ran; 'cancelled': the caller cancelled it; 'busy': another change holds the guest. */
  kind: z.enum(['invalid', 'cancelled', 'busy', 'failed']),
});
export type BridgeError = z.infer<typeof bridgeErrorSchema>;

export const bridgeServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: requestId, result: z.unknown() }),
  z.object({ type: z.literal('error'), id: requestId, error: bridgeErrorSchema }),
  z.object({ type: z.literal('snapshot'), snapshot: fleetSnapshotSchema }),
  /** Deltas in the order the core made them, batched (at most one batch per animation frame's worth, ~50 ms). */
  z.object({ type: z.literal('deltas'), deltas: z.array(fleetDeltaSchema) }),
  /** Terminal output, base64 of the raw bytes. */
  z.object({ type: z.literal('terminalOutput'), terminal: terminalId, data: z.string() }),
  /** The shell ended: its exit code (128 + signal when killed). */
  z.object({ type: z.literal('terminalExit'), terminal: terminalId, code: z.number().int() }),
  /** The server refused a message that had no id to answer (malformed, oversized): the front end logs it. */
  z.object({ type: z.literal('refused'), reason: z.string() }),
]);
export type BridgeServerMessage = z.infer<typeof bridgeServerMessageSchema>;
