// The events a subscribed agent pushes; the fleet core validates each one once, in its RPC client.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';
import { hostSampleSchema, unreadableGuestSchema } from '../domain/guest';
import { guestNameSchema, xidSchema } from '../validation';
import { checkWith, type Checked } from './checked';
import { migrationProgressEventSchema, sessionIdSchema } from './schemas';

/** A guest's state changed (seen in the kernel, whoever changed it); deleted = its config is gone. */
export const guestStateEventSchema = z.object({
  name: guestNameSchema,
  xid: xidSchema,
  state: z.enum(['running', 'stopped', 'deleted']),
  previous: z.enum(['running', 'stopped', 'deleted', 'unknown']),
  initPid: z.number().int().positive().optional(),
  time: z.number(),
});

export const execOutputEventSchema = z.object({
  session: sessionIdSchema,
  stream: z.enum(['stdout', 'stderr']),
  /** base64 of the raw bytes. */
  data: z.string(),
});

export const execExitEventSchema = z.object({
  session: sessionIdSchema,
  /** Exit code; 128 + signal number when killed by a signal. */
  code: z.number().int(),
});

/** A health sample as sent: guests whose configuration or counters could not be read are named, not dropped. */
export const healthSampleEventSchema = hostSampleSchema.extend({
  unreadable: z.array(unreadableGuestSchema).optional(),
});

/** Something the agent did for a subscriber failed as a whole (e.g. a health sample); the subscription goes on. */
export const agentErrorEventSchema = z.object({
  source: z.enum(['healthSample']),
  message: z.string(),
  time: z.number(),
});

export const agentEvents = {
  guestState: guestStateEventSchema,
  healthSample: healthSampleEventSchema,
  agentError: agentErrorEventSchema,
  execOutput: execOutputEventSchema,
  execExit: execExitEventSchema,
  /** A migrationSync round's progress, at most twice a second. */
  migrationProgress: migrationProgressEventSchema,
} as const;

export type AgentEventName = keyof typeof agentEvents;
export type AgentEventData<E extends AgentEventName> = z.infer<(typeof agentEvents)[E]>;

export function isAgentEvent(event: string): event is AgentEventName {
  return Object.prototype.hasOwnProperty.call(agentEvents, event);
}

export function checkAgentEvent<E extends AgentEventName>(event: E, data: unknown): Checked<AgentEventData<E>> {
  return checkWith(agentEvents[event], data) as Checked<AgentEventData<E>>;
}
