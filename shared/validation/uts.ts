// Host and domain names a guest may carry (UTS nodename/domainname, at most 64 bytes each).
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';

const LABEL = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DOTTED_NAME = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

export const nodenameSchema = z
  .string()
  .min(1, 'a host name must not be empty')
  .max(64, 'a host name has at most 64 characters')
  .regex(DOTTED_NAME, 'a host name holds letters, digits and "-" in dot-separated labels');

export const domainnameSchema = z
  .string()
  .max(64, 'a domain name has at most 64 characters')
  .regex(new RegExp(`^(${LABEL}(\\.${LABEL})*)?$`), 'a domain name holds letters, digits and "-" in dot-separated labels');
