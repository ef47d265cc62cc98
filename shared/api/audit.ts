// The audit log as the API exposes it: one entry per mutating action, queried by host, guest,
// action and time.
import { z } from 'zod';

export const auditEntrySchema = z.object({
  /** ISO 8601 time the action started. */
  time: z.string(),
  /** Local account that ran vfleet. */
  user: z.string(),
  host: z.string().optional(),
  guest: z.string().optional(),
  action: z.string(),
  /** Parameters with passwords, passphrases and other secrets replaced by "[redacted]". */
  params: z.record(z.string(), z.unknown()),
  result: z.enum(['ok', 'error']),
  /** The cause, in the words shown to the admin, when result is "error". */
  error: z.string().optional(),
  durationMs: z.number().nonnegative(),
  /** What the action measured or decided, when its result says more than ok (a migration's downtime, bytes, rate). */
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditQuerySchema = z.object({
  host: z.string().optional(),
  guest: z.string().optional(),
  action: z.string().optional(),
  /** ISO 8601; entries at or after this time. */
  since: z.string().optional(),
  until: z.string().optional(),
  /** Newest entries kept when more match. */
  limit: z.number().int().positive().optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;
