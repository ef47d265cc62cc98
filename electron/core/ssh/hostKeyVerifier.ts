// Checks every host key ssh2 is offered against the registry and the user's known_hosts, records
// the outcome in the registry (pending approval, blocked, trusted) and refuses all but trusted keys.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Host, HostKey } from '../../../shared/api/hosts';
import type { HostKeyObservation, HostRegistry } from '../hosts/hostRegistry';
import { decideHostKey, type HostKeyDecision } from './hostKeyDecision';
import { hostKeyOf } from './hostKeyFingerprint';
import { parseKnownHosts, type KnownHostsEntry } from './knownHosts';

export type HostKeyCheck =
  | { accepted: true; host: string; fingerprint: string; decision: Extract<HostKeyDecision, { decision: 'trusted' }> }
  | {
      accepted: false;
      host: string;
      fingerprint: string;
      state: 'pendingApproval' | 'blocked';
      decision: Exclude<HostKeyDecision, { decision: 'trusted' }>;
      /** What the admin reads: the host, the fingerprint(s) and what to do. */
      message: string;
    };

/** The known_hosts files ssh reads by default. */
export function defaultKnownHostsFiles(home = homedir()): string[] {
  return [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2'), '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
}

async function readKnownHostsFiles(files: readonly string[]): Promise<KnownHostsEntry[]> {
  const entries: KnownHostsEntry[] = [];
  for (const file of files) {
    try {
      entries.push(...parseKnownHosts(await readFile(file, 'utf8'), file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}: ${(error as Error).message}`);
    }
  }
  return entries;
}

function observationOf(decision: HostKeyDecision, key: HostKey): HostKeyObservation {
  switch (decision.decision) {
    case 'trusted':
      return { decision: 'trusted', key, source: decision.source };
    case 'unknown':
      return { decision: 'unknown', key };
    case 'changed':
      return { decision: 'changed', key, previousFingerprint: decision.previousFingerprint, where: decision.where };
    case 'revoked':
      return { decision: 'revoked', key, where: decision.where };
  }
}

export class HostKeyVerifier {
  constructor(
    private readonly registry: HostRegistry,
    private readonly knownHostsFiles: readonly string[] = defaultKnownHostsFiles(),
  ) {}

  /** Decides on the key a registry host offered and records the outcome before answering. */
  async verify(host: Pick<Host, 'name'>, keyBlob: Buffer): Promise<HostKeyCheck> {
    const knownHosts = await readKnownHostsFiles(this.knownHostsFiles);
    const key = hostKeyOf(keyBlob);
    return this.record(host.name, key, (current) => decide(current, key, knownHosts));
  }

  /**
   * For a jump host given as [user@]address[:port] rather than a registry host: only the user's
   * known_hosts can vouch for it, and nothing is recorded.
   */
  async verifyAddress(address: string, port: number, keyBlob: Buffer): Promise<HostKeyCheck> {
    const key = hostKeyOf(keyBlob);
    const decision = decideHostKey({ offered: key, accepted: undefined, knownHosts: await readKnownHostsFiles(this.knownHostsFiles), address, port });
    const host = `${address}:${port}`;
    if (decision.decision === 'trusted') return { accepted: true, host, fingerprint: key.fingerprint, decision };
    const message =
      decision.decision === 'unknown'
        ? `Jump host ${host} offered the unknown ${key.type} key ${key.fingerprint}; add it to the registry as a host and approve its key.`
        : `Jump host ${host} offered the key ${key.fingerprint}, which ${decision.where} ${decision.decision === 'revoked' ? 'marks as revoked' : `contradicts (it has ${decision.previousFingerprint})`}; vfleet will not connect through it.`;
    return { accepted: false, host, fingerprint: key.fingerprint, state: decision.decision === 'unknown' ? 'pendingApproval' : 'blocked', decision, message };
  }

  /**
   * ssh2's synchronous `hostVerifier: (key) => boolean` for one host: decides from the registry
   * as last loaded and known_hosts as read when this was made; `settled()` resolves once the
   * decision is recorded in the registry.
   */
  async syncHostVerifier(hostName: string): Promise<SyncHostVerifier> {
    const knownHosts = await readKnownHostsFiles(this.knownHostsFiles);
    let last: Promise<HostKeyCheck | undefined> = Promise.resolve(undefined);
    const verifier = (keyBlob: Buffer): boolean => {
      const current = this.registry.require(hostName);
      const key = hostKeyOf(keyBlob);
      const decision = decide(current, key, knownHosts);
      last = this.record(hostName, key, () => decision);
      return decision.decision === 'trusted';
    };
    return Object.assign(verifier, { settled: () => last });
  }

  /** Records the decision taken on the freshest registry entry and words the outcome for the admin. */
  private async record(name: string, key: HostKey, decideFor: (current: Host) => HostKeyDecision): Promise<HostKeyCheck> {
    const taken: { decision?: HostKeyDecision } = {};
    const host = await this.registry.recordHostKey(name, (current) => {
      taken.decision = decideFor(current);
      return observationOf(taken.decision, key);
    });
    const decision = taken.decision as HostKeyDecision;
    const where = `Host ${host.name} (${host.address}:${host.port})`;
    switch (decision.decision) {
      case 'trusted':
        return { accepted: true, host: host.name, fingerprint: key.fingerprint, decision };
      case 'unknown':
        return {
          accepted: false,
          host: host.name,
          fingerprint: key.fingerprint,
          state: 'pendingApproval',
          decision,
          message:
            `${where} offered an unknown ${key.type} key ${key.fingerprint}; check it and approve it ` +
            `(vfleet hosts approve ${host.name} ${key.fingerprint}) before vfleet connects.`,
        };
      default:
        return {
          accepted: false,
          host: host.name,
          fingerprint: key.fingerprint,
          state: 'blocked',
          decision,
          message: host.trust.warning ?? `${where} is blocked: its host key was refused.`,
        };
    }
  }
}

function decide(host: Host, key: HostKey, knownHosts: readonly KnownHostsEntry[]): HostKeyDecision {
  return decideHostKey({ offered: key, accepted: host.trust.accepted, knownHosts, address: host.address, port: host.port });
}

export type SyncHostVerifier = ((keyBlob: Buffer) => boolean) & { settled(): Promise<HostKeyCheck | undefined> };
