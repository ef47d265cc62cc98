// The JSON-lines envelope between the fleet core and a host agent (docs/architecture.md, Protocol).
// Both ends validate every line with these schemas; the methods (methods.ts, schemas.ts), the
// events (events.ts) and the errors (errors.ts) live beside this file.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';

// 2: migration methods and markers, cancel, the hello's node and agent file (the quick start).
export const PROTOCOL_VERSION = 2;

/** Longest line either end accepts; a longer one is answered with an error and dropped. */
export const MAX_LINE_BYTES = 1024 * 1024;

export const requestIdSchema = z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]);
export type RequestId = z.infer<typeof requestIdSchema>;

export const requestSchema = z.object({
  id: requestIdSchema,
  method: z.string().min(1).max(64),
  params: z.unknown().optional(),
});
export type Request = z.infer<typeof requestSchema>;

export const ERROR_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  busy: 1001,
  notFound: 1002,
  conflict: 1003,
  notRunning: 1004,
  running: 1005,
  unsupported: 1006,
  failed: 1007,
  cancelled: 1008,
  timeout: 1009,
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export const rpcErrorSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
});
export type RpcError = z.infer<typeof rpcErrorSchema>;

export const responseSchema = z.union([
  z.object({ id: requestIdSchema.nullable(), result: z.unknown() }).strict(),
  z.object({ id: requestIdSchema.nullable(), error: rpcErrorSchema }).strict(),
]);
export type Response = z.infer<typeof responseSchema>;

export const eventSchema = z.object({ event: z.string().min(1), data: z.unknown() }).strict();
export type Event = z.infer<typeof eventSchema>;

export const agentLineSchema = z.union([responseSchema, eventSchema]);
