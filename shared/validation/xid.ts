// Static context ids: 0 is the host, 1 the watch context, 49152 and up are dynamic (util-vserver).
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';

export const XID_MIN = 2;
export const XID_MAX = 49151;

export const xidSchema = z
  .number()
  .int('a context id is a whole number')
  .min(XID_MIN, `a context id is at least ${XID_MIN} (0 is the host, 1 the watch context)`)
  .max(XID_MAX, `a context id is at most ${XID_MAX} (higher ids are dynamic)`);
