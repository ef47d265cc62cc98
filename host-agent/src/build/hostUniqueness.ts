// A new guest must not reuse a name, a context id or an address already taken on this host.
import { promises as fs } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { GuestConfig } from '../../../shared/domain/guest';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { guestError } from '../errors/agentError';

export interface RequestedIdentity {
  name: string;
  xid: number;
  ips: string[];
}

/** Addresses configured on the host's own interfaces (in this network namespace). */
function hostAddresses(): Set<string> {
  const addresses = new Set<string>();
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) addresses.add(entry.address);
  }
  return addresses;
}

export async function assertIdentityFree(
  requested: RequestedIdentity,
  existing: GuestConfig[],
  bases: { configBase: string; guestBase: string },
): Promise<void> {
  const { name } = requested;
  for (const path of [join(bases.configBase, name), join(bases.guestBase, name)]) {
    if (await fs.lstat(path).then(() => true, () => false)) {
      throw guestError(ERROR_CODES.conflict, name, `a guest of that name already exists (${path} is present)`);
    }
  }
  const sameXid = existing.find((config) => config.xid === requested.xid && config.name !== name);
  if (sameXid) {
    throw guestError(ERROR_CODES.conflict, name, `context id ${requested.xid} is already used by guest '${sameXid.name}'`);
  }
  const onHost = hostAddresses();
  for (const ip of requested.ips) {
    const owner = existing.find((config) => config.interfaces.some((guestInterface) => guestInterface.ip === ip));
    if (owner) throw guestError(ERROR_CODES.conflict, name, `address ${ip} is already used by guest '${owner.name}'`);
    if (onHost.has(ip)) throw guestError(ERROR_CODES.conflict, name, `address ${ip} is already configured on the host itself`);
  }
  if (new Set(requested.ips).size !== requested.ips.length) {
    throw guestError(ERROR_CODES.invalidParams, name, 'the same address is given twice');
  }
}
