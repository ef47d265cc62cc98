// The persisted list of fleet hosts: add, update, remove, look up, and the trust in each host's key.
// Every change is validated against the freshest stored content before it is written; secrets go
// to the SecretStore, never into the registry.
import type { z } from 'zod';
import {
  hostInputSchema,
  sudoFor,
  hostSchema,
  hostUpdateSchema,
  type Host,
  type HostInput,
  type HostKey,
  type HostUpdate,
  type ParsedHostInput,
} from '../../../shared/api/hosts';
import type { SecretKind, SecretStore } from '../secrets/secretStore';
import type { KeyValueStore } from '../store/keyValueStore';
import { openJsonFileStore } from '../store/jsonFileStore';
import { describeIssues } from '../../../shared/protocol/checked';
import { HostRegistryError } from './hostRegistryError';
import { jumpRoute, type JumpHop } from './jumpHost';
import { registryFormat, type RegistryDocument } from './registryDocument';

/** What the host key verifier learned about a host's key, to be remembered. */
export type HostKeyObservation =
  | { decision: 'trusted'; key: HostKey; source: 'registry' | 'known_hosts' }
  | { decision: 'unknown'; key: HostKey }
  | { decision: 'changed'; key: HostKey; previousFingerprint: string; where: string }
  | { decision: 'revoked'; key: HostKey; where: string };

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, hostName: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new HostRegistryError('invalid', hostName, `Host ${hostName} was not saved: ${describeIssues(parsed.error)}.`);
  }
  return parsed.data;
}

interface SecretsOfInput {
  password?: string;
  passphrase?: string;
}

/** Brings auth in line with the secrets given: a passphrase marks the key file as protected. */
function reconcileAuth(host: Host, secrets: SecretsOfInput): Host {
  if (secrets.password !== undefined && host.auth.kind !== 'password') {
    throw new HostRegistryError('invalid', host.name, `Host ${host.name}: a password was given, but its login is "${host.auth.kind}", not "password".`);
  }
  if (secrets.passphrase !== undefined) {
    if (host.auth.kind !== 'keyFile') {
      throw new HostRegistryError('invalid', host.name, `Host ${host.name}: a key passphrase was given, but its login does not use a key file.`);
    }
    return { ...host, auth: { ...host.auth, hasPassphrase: true } };
  }
  return host;
}

function hostFromInput(input: ParsedHostInput): Host {
  const { password: _password, passphrase: _passphrase, ...fields } = input;
  return { ...fields, sudo: sudoFor(fields.user, fields.sudo), tags: [...new Set(fields.tags)], trust: { state: 'new' } };
}

function checkJump(host: Host, hosts: readonly Host[]): void {
  if (host.jump === undefined) return;
  if (host.jump === host.name) {
    throw new HostRegistryError('invalid', host.name, `Host ${host.name} cannot be its own jump host.`);
  }
  const route = jumpRoute(host, hosts);
  if ('error' in route) throw new HostRegistryError('invalid', host.name, `Host ${host.name} was not saved: ${route.error}.`);
}

export class HostRegistry {
  /**
   * The hosts by name as the store last loaded or wrote them: its content changes only through
   * update (write, below, drops this), so a lookup does not copy the whole registry.
   */
  private index: Map<string, Host> | undefined;

  constructor(
    private readonly store: KeyValueStore<RegistryDocument>,
    private readonly secrets: SecretStore,
  ) {}

  /** The registry in a JSON file (plain Node: the CLI and the tests). */
  static async openFile(file: string, secrets: SecretStore): Promise<HostRegistry> {
    return new HostRegistry(await openJsonFileStore(file, registryFormat), secrets);
  }

  get location(): string {
    return this.store.location;
  }

  list(): Host[] {
    return this.store.get('hosts');
  }

  get(name: string): Host | undefined {
    this.index ??= new Map(this.store.get('hosts').map((host) => [host.name, host]));
    const host = this.index.get(name);
    return host === undefined ? undefined : structuredClone(host);
  }

  require(name: string): Host {
    const host = this.get(name);
    if (!host) throw new HostRegistryError('notFound', name, `There is no host named ${name} in the registry.`);
    return host;
  }

  findByAddress(address: string, port: number): Host[] {
    const wanted = address.toLowerCase();
    return this.list().filter((host) => host.address.toLowerCase() === wanted && host.port === port);
  }

  /** The hops to reach a host, outermost first (empty without a jump host). */
  jumpRoute(name: string): JumpHop[] {
    const route = jumpRoute(this.require(name), this.list());
    if ('error' in route) throw new HostRegistryError('invalid', name, `Cannot reach ${name}: ${route.error}.`);
    return route;
  }

  secret(name: string, kind: SecretKind): Promise<string | undefined> {
    return this.secrets.get(name, kind);
  }

  async add(input: HostInput): Promise<Host> {
    const name = typeof input.name === 'string' ? input.name : '(unnamed)';
    const parsed = parseOrThrow(hostInputSchema, input, name);
    const host = reconcileAuth(hostFromInput(parsed), parsed);
    const addTo = (hosts: readonly Host[]): Host[] => {
      if (hosts.some((existing) => existing.name === host.name)) {
        throw new HostRegistryError('duplicate', host.name, `A host named ${host.name} is already in the registry; choose another name or update it.`);
      }
      const next = [...hosts, host];
      checkJump(host, next);
      return next;
    };
    addTo(this.list());
    await this.storeSecrets(host.name, parsed);
    try {
      await this.write((document) => ({ ...document, hosts: addTo(document.hosts) }));
    } catch (error) {
      await this.forgetSecrets(host.name, parsed);
      throw error;
    }
    return host;
  }

  async update(name: string, patch: HostUpdate): Promise<Host> {
    const parsed = parseOrThrow(hostUpdateSchema, patch, name);
    const { password, passphrase, jump, ...fields } = parsed;
    const change = (hosts: readonly Host[]): Host[] => {
      const current = hosts.find((host) => host.name === name);
      if (!current) throw new HostRegistryError('notFound', name, `There is no host named ${name} in the registry.`);
      const merged: Host = { ...current, ...fields };
      if (jump === null) delete merged.jump;
      else if (jump !== undefined) merged.jump = jump;
      if (fields.tags) merged.tags = [...new Set(fields.tags)];
      const updated = reconcileAuth(parseOrThrow(hostSchema, merged, name), { password, passphrase });
      const next = hosts.map((host) => (host.name === name ? updated : host));
      checkJump(updated, next);
      return next;
    };
    change(this.list());
    await this.storeSecrets(name, { password, passphrase });
    const document = await this.write((current) => ({ ...current, hosts: change(current.hosts) }));
    const updated = document.hosts.find((host) => host.name === name) as Host;
    await this.dropUnusedSecrets(updated);
    return updated;
  }

  async remove(name: string): Promise<void> {
    const change = (hosts: readonly Host[]): Host[] => {
      if (!hosts.some((host) => host.name === name)) {
        throw new HostRegistryError('notFound', name, `There is no host named ${name} in the registry.`);
      }
      const dependants = hosts.filter((host) => host.jump === name).map((host) => host.name);
      if (dependants.length > 0) {
        throw new HostRegistryError('inUse', name, `Host ${name} is the jump host of ${dependants.join(', ')}; change their jump host first.`);
      }
      return hosts.filter((host) => host.name !== name);
    };
    await this.write((document) => ({ ...document, hosts: change(document.hosts) }));
    await this.secrets.delete(name, 'password');
    await this.secrets.delete(name, 'passphrase');
  }

  /**
   * Remembers what the host key verifier decided, so the UI and CLI can show and approve it.
   * `observe` sees the freshest entry, so an approval made by another process is not overruled.
   */
  async recordHostKey(name: string, observe: (current: Host) => HostKeyObservation): Promise<Host> {
    const now = new Date().toISOString();
    const document = await this.write((current) => {
      const host = current.hosts.find((candidate) => candidate.name === name);
      if (!host) throw new HostRegistryError('notFound', name, `There is no host named ${name} in the registry.`);
      const trust = nextTrust(host, observe(host), now);
      return { ...current, hosts: current.hosts.map((each) => (each === host ? { ...host, trust } : each)) };
    });
    return document.hosts.find((candidate) => candidate.name === name) as Host;
  }

  /**
   * Accepts the key the host offered last, pending or blocked. The admin names the fingerprint
   * they checked, so a key swapped between display and approval is not accepted.
   */
  async approveHostKey(name: string, fingerprint: string): Promise<Host> {
    const now = new Date().toISOString();
    const approve = (host: Host): Host => {
      const offered = host.trust.offered;
      if (!offered) {
        throw new HostRegistryError('noPendingKey', name, `Host ${name} has no key waiting for approval; connect to it first.`);
      }
      if (offered.fingerprint !== fingerprint) {
        throw new HostRegistryError(
          'keyMismatch',
          name,
          `Host ${name} offered the key ${offered.fingerprint}, not ${fingerprint}; nothing was approved.`,
        );
      }
      const { seenAt: _seenAt, ...key } = offered;
      return { ...host, trust: { state: 'trusted', accepted: { ...key, source: 'approved', acceptedAt: now } } };
    };
    approve(this.require(name));
    const document = await this.write((current) => ({
      ...current,
      hosts: current.hosts.map((host) => (host.name === name ? approve(host) : host)),
    }));
    return document.hosts.find((host) => host.name === name) as Host;
  }

  private async write(change: (current: RegistryDocument) => RegistryDocument): Promise<RegistryDocument> {
    try {
      return await this.store.update(change);
    } finally {
      this.index = undefined;
    }
  }

  private async storeSecrets(name: string, secrets: SecretsOfInput): Promise<void> {
    if (secrets.password !== undefined) await this.secrets.set(name, 'password', secrets.password);
    if (secrets.passphrase !== undefined) await this.secrets.set(name, 'passphrase', secrets.passphrase);
  }

  private async forgetSecrets(name: string, secrets: SecretsOfInput): Promise<void> {
    if (secrets.password !== undefined) await this.secrets.delete(name, 'password');
    if (secrets.passphrase !== undefined) await this.secrets.delete(name, 'passphrase');
  }

  /** A secret the login no longer uses is deleted rather than kept around. */
  private async dropUnusedSecrets(host: Host): Promise<void> {
    if (host.auth.kind !== 'password') await this.secrets.delete(host.name, 'password');
    if (host.auth.kind !== 'keyFile' || !host.auth.hasPassphrase) await this.secrets.delete(host.name, 'passphrase');
  }
}

function nextTrust(host: Host, observation: HostKeyObservation, now: string): Host['trust'] {
  const offered = { ...observation.key, seenAt: now };
  switch (observation.decision) {
    case 'trusted':
      if (host.trust.accepted?.fingerprint === observation.key.fingerprint) {
        return { state: 'trusted', accepted: host.trust.accepted };
      }
      return { state: 'trusted', accepted: { ...observation.key, source: 'known_hosts', acceptedAt: now } };
    case 'unknown':
      return { ...host.trust, state: 'pending', offered, warning: undefined };
    case 'changed':
      return {
        ...host.trust,
        state: 'blocked',
        offered,
        warning:
          `The host key of ${host.name} (${host.address}:${host.port}) has CHANGED: ${observation.where} has ` +
          `${observation.previousFingerprint}, the host now offers ${observation.key.fingerprint}. This can be a ` +
          'reinstalled host or an attacker in the middle; vfleet will not connect until you approve the new key.',
      };
    case 'revoked':
      return {
        ...host.trust,
        state: 'blocked',
        offered,
        warning: `Host ${host.name} offered the key ${observation.key.fingerprint}, which ${observation.where} marks as revoked; vfleet will not connect.`,
      };
  }
}
