// What the fleet-wide checks of a new guest's identity say (docs/architecture.md, "Conflict
// checks"): refusals (an address another guest or a host holds, a context id or name taken on the
// same host), warnings (a context id or name used on another host, overridden only with force),
// the hosts whose guests could not be checked, and a context id free on every known host.
import { z } from 'zod';
import { guestInterfaceSpecSchema, guestNameSchema, xidSchema } from '../validation';
import { hostNameSchema } from './hosts';

export const conflictKindSchema = z.enum(['address', 'hostAddress', 'xid', 'name']);
export type ConflictKind = z.infer<typeof conflictKindSchema>;

export const guestConflictSchema = z.object({
  kind: conflictKindSchema,
  /** The address, context id or name in question, as text. */
  value: z.string(),
  /** Who holds it: a host (hostAddress) or a guest of a host. */
  holder: z.object({ host: z.string(), guest: z.string().optional() }),
  /** For the admin: "address 10.0.0.5 is already configured for guest lab-2/web". */
  message: z.string(),
});
export type GuestConflict = z.infer<typeof guestConflictSchema>;

/** A guest identity to check on a host; the wizard sends what the admin has typed so far. */
export const buildCheckRequestSchema = z.object({
  host: hostNameSchema,
  name: guestNameSchema.optional(),
  xid: xidSchema.optional(),
  interfaces: z.array(guestInterfaceSpecSchema).max(16).optional(),
}).strict();
export type BuildCheckRequest = z.input<typeof buildCheckRequestSchema>;

export const buildCheckSchema = z.object({
  /** Never overridden: the build is refused while any is left. */
  refusals: z.array(guestConflictSchema),
  /** The build goes ahead only with force (audited). */
  warnings: z.array(guestConflictSchema),
  /** Registry hosts whose guests the core does not know (never synced since this core started): not checked. */
  notChecked: z.array(z.string()),
  /** The lowest context id no guest of any known host uses. */
  suggestedXid: xidSchema,
});
export type BuildCheck = z.infer<typeof buildCheckSchema>;
