// The fleet-wide checks of a guest's identity, from what the fleet state knows of every host:
// one function computes every conflict of a name, context id and addresses on a target host;
// guest.buildCheck returns them, guest.build refuses on a refusal (and on a warning without
// force), guest.start refuses an address another running guest or a host holds. The agent checks
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

function guestLabel(host: string, guest: string): string {
  return `${host}/${guest}`;
}

/** Every conflict of `identity` with the fleet. `hosts`: the fleet state's hosts (their registry address and the guests last synced). */
export function checkGuestIdentity(hosts: readonly HostView[], identity: GuestIdentity): BuildCheck {
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
    const sameHost = host.name === identity.host;
    if (wanted.has(canonicalAddress(host.address))) {
      const value = canonicalAddress(host.address);
      refusals.push({ kind: 'hostAddress', value, holder: { host: host.name }, message: `address ${value} is the address of host ${host.name}` });
    }
    for (const guest of host.guests) {
      const holder = { host: host.name, guest: guest.name };
      const label = guestLabel(host.name, guest.name);
      if (sameHost && guest.name === identity.name) {
        if (identity.isNew) refusals.push({ kind: 'name', value: guest.name, holder, message: `a guest named ${guest.name} already exists on host ${host.name}` });
        continue;
      }
      for (const guestInterface of guest.config?.interfaces ?? []) {
        const value = canonicalAddress(guestInterface.ip);
        if (wanted.has(value)) refusals.push({ kind: 'address', value, holder, message: `address ${value} is already configured for guest ${label}` });
      }
      if (identity.xid !== undefined && guest.xid === identity.xid) {
        const value = String(identity.xid);
        if (sameHost) refusals.push({ kind: 'xid', value, holder, message: `context id ${value} is already used by guest ${label} on the same host` });
        else warnings.push({ kind: 'xid', value, holder, message: `context id ${value} is also used by guest ${label}; the new guest could not run on ${host.name} (e.g. moved there) without a new id` });
      }
      if (identity.name !== undefined && guest.name === identity.name) {
        warnings.push({ kind: 'name', value: identity.name, holder, message: `a guest named ${identity.name} also exists on host ${host.name}` });
      }
    }
  }
  return {
    refusals,
    warnings,
    notChecked: hosts.filter((host) => host.syncedAt === undefined).map((host) => host.name),
    suggestedXid: freeXid(hosts),
  };
}

/** The lowest static context id that no guest of any known host uses. */
export function freeXid(hosts: readonly HostView[]): number {
  const used = new Set(hosts.flatMap((host) => host.guests.map((guest) => guest.xid)));
  for (let xid = XID_MIN; xid <= XID_MAX; xid += 1) if (!used.has(xid)) return xid;
  throw new Error(`every static context id (${XID_MIN}..${XID_MAX}) is in use in the fleet`);
}

/** One line for an error message: the conflicts joined. */
export function describeConflicts(conflicts: readonly GuestConflict[]): string {
  return conflicts.map((conflict) => conflict.message).join('; ');
}
