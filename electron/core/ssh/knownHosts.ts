// OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): plain, wildcard, negated and
// hashed (|1|salt|hash, HMAC-SHA1) host patterns, [host]:port, and @revoked / @cert-authority markers.
import { createHmac } from 'node:crypto';
import { wildcardRegExp } from '../hosts/wildcardPattern';

export type KnownHostsMarker = 'revoked' | 'cert-authority';

export interface KnownHostsEntry {
  marker: KnownHostsMarker | undefined;
  /** Comma-separated patterns of the first field; a hashed entry has one `|1|salt|hash` pattern. */
  patterns: string[];
  keyType: string;
  keyBase64: string;
  /** "file:line", for messages. */
  origin: string;
}

/** Parses known_hosts text; lines that are not entries (comments, garbage) are skipped like ssh does. */
export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostsMarker | undefined;
    if (fields[0]?.startsWith('@')) {
      const name = fields.shift()?.slice(1);
      if (name !== 'revoked' && name !== 'cert-authority') return;
      marker = name;
    }
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) return;
    entries.push({ marker, patterns: hosts.split(','), keyType, keyBase64, origin: `${file}:${index + 1}` });
  });
  return entries;
}

/** The name ssh looks up: "host" on port 22, "[host]:port" otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function matchesHashed(pattern: string, name: string): boolean {
  const [, magic, salt, hash] = pattern.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  // ssh hashes the host name lowercased (as it matches plain names case-insensitively).
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name.toLowerCase()).digest('base64') === hash;
}

function matchesWildcard(pattern: string, name: string): boolean {
  return wildcardRegExp(pattern, { anyCharacter: '.', flags: 'i' }).test(name);
}

/** Whether the entry's host field names `address:port`; a matching negated pattern excludes it. */
export function entryMatchesHost(entry: KnownHostsEntry, address: string, port: number): boolean {
  const name = knownHostsName(address, port);
  let matched = false;
  for (const pattern of entry.patterns) {
    if (pattern.startsWith('|')) {
      matched ||= matchesHashed(pattern, name);
    } else if (pattern.startsWith('!')) {
      if (matchesWildcard(pattern.slice(1), name)) return false;
    } else {
      matched ||= matchesWildcard(pattern, name);
    }
  }
  return matched;
}
