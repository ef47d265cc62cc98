// A jump host is written as a registry host name or as [user@]address[:port] ([v6]:port for IPv6).
import { hostAddressSchema, sshPortSchema, sshUserSchema, type Host } from '../../../shared/api/hosts';

export type JumpHop =
  | { kind: 'registry'; host: Host }
  | { kind: 'address'; user: string | undefined; address: string; port: number };

export type JumpAddress = Extract<JumpHop, { kind: 'address' }>;

/** Parses the [user@]address[:port] form; returns a reason when it is not one. */
export function parseJumpAddress(text: string): JumpAddress | { error: string } {
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : undefined;
  const rest = at >= 0 ? text.slice(at + 1) : text;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(rest);
  const address = bracketed?.[1] ?? plain?.[1] ?? rest;
  const portText = bracketed ? bracketed[2] : plain ? plain[2] : undefined;
  const port = portText === undefined ? 22 : Number(portText);
  if (user !== undefined && !sshUserSchema.safeParse(user).success) return { error: `"${user}" is not a valid login name` };
  if (!hostAddressSchema.safeParse(address).success) return { error: `"${address}" is neither a registry host nor an address` };
  if (!sshPortSchema.safeParse(port).success) return { error: `port "${portText}" is not between 1 and 65535` };
  return { kind: 'address', user, address, port };
}

/**
 * The hops to go through to reach `host`, outermost first. A registry host name wins over an
 * address of the same spelling; a loop of jump hosts is reported, not followed.
 */
export function jumpRoute(host: Host, hosts: readonly Host[]): JumpHop[] | { error: string } {
  const route: JumpHop[] = [];
  const seen = new Set([host.name]);
  let jump = host.jump;
  while (jump !== undefined) {
    const registered = hosts.find((candidate) => candidate.name === jump);
    if (!registered) {
      const parsed = parseJumpAddress(jump);
      if ('error' in parsed) return { error: `jump host of ${route[0]?.kind === 'registry' ? route[0].host.name : host.name}: ${parsed.error}` };
      route.unshift(parsed);
      return route;
    }
    if (seen.has(registered.name)) {
      return { error: `the jump hosts of ${host.name} form a loop through ${registered.name}` };
    }
    seen.add(registered.name);
    route.unshift({ kind: 'registry', host: registered });
    jump = registered.jump;
  }
  return route;
}
