// The pure decision about an offered host key: trusted, unknown (wait for approval), changed
// (block) or revoked (block), from the registry's accepted key and the user's known_hosts.
import type { HostKey } from '../../../shared/api/hosts';
import { entryMatchesHost, type KnownHostsEntry } from './knownHosts';
import { sha256Fingerprint } from './hostKeyFingerprint';

export type HostKeyDecision =
  | { decision: 'trusted'; source: 'registry' | 'known_hosts'; where: string }
  | { decision: 'unknown' }
  | { decision: 'changed'; previousFingerprint: string; where: string }
  | { decision: 'revoked'; where: string };

export interface HostKeyQuestion {
  offered: HostKey;
  /** The key the admin accepted in vfleet, if any: it overrides known_hosts. */
  accepted: HostKey | undefined;
  knownHosts: readonly KnownHostsEntry[];
  address: string;
  port: number;
}

function sameKey(keyBase64: string, offered: HostKey): boolean {
  return Buffer.from(keyBase64, 'base64').equals(Buffer.from(offered.keyBase64, 'base64'));
}

export function decideHostKey({ offered, accepted, knownHosts, address, port }: HostKeyQuestion): HostKeyDecision {
  const forHost = knownHosts.filter((entry) => entry.marker !== 'cert-authority' && entryMatchesHost(entry, address, port));
  const revoked = forHost.find((entry) => entry.marker === 'revoked' && sameKey(entry.keyBase64, offered));
  if (revoked) return { decision: 'revoked', where: revoked.origin };
  if (accepted) {
    if (sameKey(accepted.keyBase64, offered)) return { decision: 'trusted', source: 'registry', where: 'the vfleet host registry' };
    return { decision: 'changed', previousFingerprint: accepted.fingerprint, where: 'the vfleet host registry' };
  }
  const plain = forHost.filter((entry) => entry.marker === undefined);
  const match = plain.find((entry) => sameKey(entry.keyBase64, offered));
  if (match) return { decision: 'trusted', source: 'known_hosts', where: match.origin };
  // Any other key known for this host blocks, of the same type or not: an attacker in the middle
  // offers whatever type his own key has, so "a new type" must not turn into a plain approval.
  const conflicting = plain.find((entry) => entry.keyType === offered.type) ?? plain[0];
  if (conflicting) {
    return {
      decision: 'changed',
      previousFingerprint: sha256Fingerprint(Buffer.from(conflicting.keyBase64, 'base64')),
      where: conflicting.origin,
    };
  }
  return { decision: 'unknown' };
}
