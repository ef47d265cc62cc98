// Fleet-wide exec: one command in many guests on many hosts, a result per target, a concurrency
// cap and cancellation (the `vapt-get` of the fleet).
import { z } from 'zod';
import { statRowSchema } from '../domain/guest';
import { execOutcomeSchema } from './guestActions';

/** The most targets a fleet exec runs at once. */
export const FLEET_EXEC_MAX_CONCURRENCY = 256;

export const fleetExecRequestSchema = z.object({
  /** Host names or tags; absent = every host. */
  hosts: z.array(z.string().min(1)).optional(),
  /** Guest names; absent = every guest on the chosen hosts. */
  guests: z.array(z.string().min(1)).optional(),
  /** Only guests in this state; absent = running guests only. */
  state: z.enum(['running', 'stopped', 'any']).default('running'),
  argv: z.array(z.string().max(65536)).min(1, 'exec needs a command').max(4096),
  /** How many targets run at once across the fleet. */
  concurrency: z.number().int().min(1).max(FLEET_EXEC_MAX_CONCURRENCY).default(8),
  timeoutMs: z.number().int().positive().max(86_400_000).default(300_000),
}).strict();
export type FleetExecRequest = z.input<typeof fleetExecRequestSchema>;

export const fleetExecResultSchema = z.object({
  results: z.array(execOutcomeSchema),
  /** Named hosts or guests that matched nothing, in words for the admin. */
  unmatched: z.array(z.string()),
  cancelled: z.boolean(),
});
export type FleetExecResult = z.infer<typeof fleetExecResultSchema>;

/** A vserver-stat row of the agent, with the host it came from. */
export const fleetStatRowSchema = statRowSchema.extend({ host: z.string() });
export const fleetStatResultSchema = z.object({
  rows: z.array(fleetStatRowSchema),
  errors: z.array(z.object({ host: z.string(), error: z.string() })),
});
export type FleetStatResult = z.infer<typeof fleetStatResultSchema>;
