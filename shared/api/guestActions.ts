// Parameters and results of the guest actions as the app API exposes them (UI and CLI alike);
// the per-guest details reuse the agent protocol's schemas.
import { z } from 'zod';
import { buildParamsSchema, capsSetParamsSchema, limitChangesSchema, unameSetParamsSchema } from '../protocol/schemas';
import { guestNameSchema } from '../validation';
import { hostNameSchema } from './hosts';

export const guestRefSchema = z.object({ host: hostNameSchema, guest: guestNameSchema }).strict();
export type GuestRef = z.infer<typeof guestRefSchema>;

/** start: `force` starts a copy a migration marked (moved away, or an unfinished arrival); the marker names it. */
export const guestStartRequestSchema = guestRefSchema.extend({ force: z.boolean().optional() }).strict();

export const guestBuildRequestSchema = z.object({
  host: hostNameSchema,
  build: buildParamsSchema,
  /** Build despite warnings (a context id or name used on another host); never past a refusal. Audited with the call. */
  force: z.boolean().optional(),
}).strict();
export type GuestBuildRequest = z.input<typeof guestBuildRequestSchema>;

export const guestExecRequestSchema = guestRefSchema.extend({
  argv: z.array(z.string().max(65536)).min(1, 'exec needs a command').max(4096),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  /** Bytes for the command's standard input (UTF-8), closed afterwards. */
  stdin: z.string().max(1_000_000).optional(),
  timeoutMs: z.number().int().positive().max(86_400_000).optional(),
}).strict();
export type GuestExecRequest = z.infer<typeof guestExecRequestSchema>;

export const execOutcomeSchema = z.object({
  host: z.string(),
  guest: z.string(),
  /** Exit code of the command; absent when it could not run (see error). */
  exitCode: z.number().int().optional(),
  stdout: z.string(),
  stderr: z.string(),
  /** Why the command did not run or did not finish: host unreachable, guest stopped, timeout, cancelled. */
  error: z.string().optional(),
  durationMs: z.number().nonnegative(),
});
export type ExecOutcome = z.infer<typeof execOutcomeSchema>;

/** A terminal's size in character cells. */
export const terminalSizeSchema = z.object({ cols: z.number().int().min(2).max(1000), rows: z.number().int().min(2).max(1000) }).strict();
export type TerminalSize = z.infer<typeof terminalSizeSchema>;

/** A shell in a guest on a pty (the agent's enter), of this size. */
export const guestTerminalRequestSchema = guestRefSchema.extend(terminalSizeSchema.shape).strict();
export type GuestTerminalRequest = z.infer<typeof guestTerminalRequestSchema>;

export const guestLimitsRequestSchema = guestRefSchema.extend({
  /** Absent: only read the limits and their usage. */
  changes: limitChangesSchema.optional(),
}).strict();
export type GuestLimitsRequest = z.input<typeof guestLimitsRequestSchema>;

const capsChanges = capsSetParamsSchema.omit({ name: true }).partial();
export const guestCapabilitiesRequestSchema = guestRefSchema.extend({ changes: capsChanges.optional() }).strict();
export type GuestCapabilitiesRequest = z.input<typeof guestCapabilitiesRequestSchema>;

const unameChanges = unameSetParamsSchema.omit({ name: true }).partial();
export const guestUnameRequestSchema = guestRefSchema.extend({ changes: unameChanges.optional() }).strict();
export type GuestUnameRequest = z.input<typeof guestUnameRequestSchema>;
