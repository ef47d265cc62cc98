// Addresses, prefixes and device names as written to interfaces/<n>/{ip,prefix,dev}.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';

const IPV4_OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_PATTERN = new RegExp(`^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`);

export function isIpv4(text: string): boolean {
  return IPV4_PATTERN.test(text);
}

/** IPv6 in any valid textual form (with :: compression), without zone ids. */
export function isIpv6(text: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || text.length > 45) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const groups = halves.flatMap(groupsOf);
  const last = groups[groups.length - 1];
  let groupCount = groups.length;
  if (last !== undefined && last.includes('.')) {
    if (!isIpv4(last)) return false;
    groups.pop();
    groupCount += 1;
  }
  if (!groups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  return halves.length === 2 ? groupCount <= 7 : groupCount === 8;
}

export const ipAddressSchema = z
  .string()
  .refine((text) => isIpv4(text) || isIpv6(text), 'not an IPv4 or IPv6 address');

export const prefixSchema = z
  .number()
  .int('a prefix length is a whole number')
  .min(0, 'a prefix length is at least 0')
  .max(128, 'a prefix length is at most 128');

/** Kernel interface names: up to 15 characters, no "/" and no whitespace (IFNAMSIZ). */
export const deviceNameSchema = z
  .string()
  .max(15, 'an interface name has at most 15 characters')
  .regex(/^[A-Za-z0-9_.:-]*$/, 'an interface name holds only letters, digits, ".", ":", "_" and "-"');

export const guestInterfaceSpecSchema = z
  .object({ ip: ipAddressSchema, prefix: prefixSchema, dev: deviceNameSchema.default('') })
  .refine((spec) => isIpv6(spec.ip) || spec.prefix <= 32, 'an IPv4 prefix length is at most 32');
export type GuestInterfaceSpec = z.infer<typeof guestInterfaceSpecSchema>;

/**
 * Parses the CLI form `[DEV:]IP[/PREFIX]` (util-vserver's --interface without NAME=); prefix
 * defaults to 24 for IPv4 and 64 for IPv6.
 */
export function parseInterfaceSpec(text: string): GuestInterfaceSpec {
  const slash = text.lastIndexOf('/');
  const addressPart = slash >= 0 ? text.slice(0, slash) : text;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : undefined;
  let dev = '';
  let ip = addressPart;
  const devMatch = /^([A-Za-z][A-Za-z0-9_.-]*):(\d.*)$/.exec(addressPart);
  if (devMatch && !isIpv6(addressPart)) {
    dev = devMatch[1] ?? '';
    ip = devMatch[2] ?? '';
  }
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) {
    throw new Error(`interface "${text}": the prefix after "/" must be a number`);
  }
  const prefix = prefixText === undefined ? (isIpv6(ip) ? 64 : 24) : Number(prefixText);
  const parsed = guestInterfaceSpecSchema.safeParse({ ip, prefix, dev });
  if (!parsed.success) {
    throw new Error(`interface "${text}": ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  }
  return parsed.data;
}
