// The fleet-wide checks of a guest's identity, from what the fleet state knows of every host:
// one function computes every conflict of a name, context id and addresses on a target host;
// guest.buildCheck returns them, guest.build refuses on a refusal (and on a warning without
// force), guest.start refuses an address another running guest or a host holds. Builds under way
// in this core count as guests already, so two builds at once cannot take the same address. The agent checks
// its own host again at build (host-agent/src/build/hostUniqueness.ts) and probes the network at
// start (host-agent/src/host/duplicateAddress.ts).
import type { HostView } from '../../../shared/api/fleetState';
import type { BuildCheck, GuestConflict } from '../../../shared/api/guestConflicts';
import { XID_MAX, XID_MIN } from '../../../shared/validation';

export interface GuestIdentity {
  host: string;
  name?: string;
  xid?: number;
  ips?: string[];
  /** A guest to build: a guest of that name on its host is a clash. Otherwise the guest itself, which is no conflict of its own. */
  isNew: boolean;
}

/** One spelling per address: IPv6 in its canonical form (the URL parser's), IPv4 as written. */
export function canonicalAddress(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}

/** A guest as the checks see it: one the fleet state knows, or one a build of this core is making. */
export interface KnownGuest {
  host: string;
  name: string;
  xid: number;
  ips: string[];
  /** Under way in this core, not on its host yet. */
  building?: boolean;
}

function knownGuests(hosts: readonly HostView[], building: readonly KnownGuest[]): KnownGuest[] {
  const known = hosts.flatMap((host) => host.guests.map((guest) => ({
    host: host.name, name: guest.name, xid: guest.xid, ips: guest.config?.interfaces.map((guestInterface) => guestInterface.ip) ?? [],
  })));
  return [...known, ...building.map((guest) => ({ ...guest, building: true }))];
}

/**
 * Every conflict of `identity` with the fleet. `hosts`: the fleet state's hosts (their registry
 * address and the guests last synced); `building`: the guests this core's builds are making now.
 */
export function checkGuestIdentity(hosts: readonly HostView[], identity: GuestIdentity, building: readonly KnownGuest[] = []): BuildCheck {
  const refusals: GuestConflict[] = [];
  const warnings: GuestConflict[] = [];
  const requested = (identity.ips ?? []).map(canonicalAddress);
  const wanted = new Set(requested);
  for (const value of wanted) {
    if (requested.indexOf(value) !== requested.lastIndexOf(value)) {
      refusals.push({ kind: 'address', value, holder: { host: identity.host, ...(identity.name ? { guest: identity.name } : {}) }, message: `address ${value} is given twice` });
    }
  }
  for (const host of hosts) {
    const value = canonicalAddress(host.address);
    if (wanted.has(value)) refusals.push({ kind: 'hostAddress', value, holder: { host: host.name }, message: `address ${value} is the address of host ${host.name}` });
  }
  const guests = knownGuests(hosts, building);
  for (const guest of guests) {
    const sameHost = guest.host === identity.host;
    const holder = { host: guest.host, guest: guest.name };
    const label = `${guest.host}/${guest.name}${guest.building ? ' (being built)' : ''}`;
    if (sameHost && guest.name === identity.name) {
      if (identity.isNew) {
        const message = guest.building ? `a guest named ${guest.name} is being built on host ${guest.host}` : `a guest named ${guest.name} already exists on host ${guest.host}`;
        refusals.push({ kind: 'name', value: guest.name, holder, message });
      }
      continue;
    }
    for (const ip of guest.ips) {
      const value = canonicalAddress(ip);
      if (wanted.has(value)) refusals.push({ kind: 'address', value, holder, message: `address ${value} is already configured for guest ${label}` });
    }
    if (identity.xid !== undefined && guest.xid === identity.xid) {
      const value = String(identity.xid);
      if (sameHost) refusals.push({ kind: 'xid', value, holder, message: `context id ${value} is already used by guest ${label} on the same host` });
      else warnings.push({ kind: 'xid', value, holder, message: `context id ${value} is also used by guest ${label}; the new guest could not run on ${guest.host} (e.g. moved there) without a new id` });
    }
    if (identity.name !== undefined && guest.name === identity.name) {
      warnings.push({ kind: 'name', value: identity.name, holder, message: `a guest named ${identity.name} also exists on host ${guest.host}${guest.building ? ' (being built)' : ''}` });
    }
  }
  return {
    refusals,
    warnings,
    notChecked: hosts.filter((host) => host.syncedAt === undefined).map((host) => host.name),
    suggestedXid: freeXid(guests),
  };
}

/** The lowest static context id that no known guest uses. */
function freeXid(guests: readonly KnownGuest[]): number {
  const used = new Set(guests.map((guest) => guest.xid));
  for (let xid = XID_MIN; xid <= XID_MAX; xid += 1) if (!used.has(xid)) return xid;
  throw new Error(`every static context id (${XID_MIN}..${XID_MAX}) is in use in the fleet`);
}

/** One line for an error message: the conflicts joined. */
export function describeConflicts(conflicts: readonly GuestConflict[]): string {
  return conflicts.map((conflict) => conflict.message).join('; ');
}
