// One host session per registry host, created on first use: its SSH connection (host key check,
// credentials, a slot of the fleet-wide connect limit), the tunnel through its jump host and the
// agent bundle it deploys. Nothing here touches the fleet state: the event router listens.
import path from 'node:path';
import type { ClientChannel } from 'ssh2';
import type { Host } from '../../../shared/api/hosts';
import type { AgentEventData, AgentEventName } from '../../../shared/protocol/events';
import type { AgentMethodName, AgentParams, AgentResult } from '../../../shared/protocol/methods';
import { defaultAgentBundlePath, loadAgentBundle, type AgentBundle } from '../agent/agentBundle';
import type { CallOptions } from '../agent/agentRpcClient';
import { loadAgentSigningKey, type AgentSigningKey } from '../agent/agentSigningKey';
import { HostSession } from '../agent/hostSession';
import type { HostRegistry } from '../hosts/hostRegistry';
import { HostRegistryError } from '../hosts/hostRegistryError';
import type { SecretKind, SecretStore } from '../secrets/secretStore';
import { DEFAULT_BACKOFF } from '../ssh/backoff';
import type { HostKeyVerifier } from '../ssh/hostKeyVerifier';
import { createSemaphore, type Semaphore } from '../ssh/semaphore';
import { sshCredentials } from '../ssh/sshCredentials';
import { SshConnection, type SshConnectionSettings } from '../ssh/sshConnection';
import { HostError } from '../ssh/sshErrors';

export interface SessionPoolOptions {
  registry: HostRegistry;
  secrets: SecretStore;
  verifier: HostKeyVerifier;
  settings: SshConnectionSettings;
  /** Where the agent signing key lives (the vfleet data directory). */
  dataDir: string;
  agentBundlePath?: string;
  /** SSH handshakes running at once across the fleet. */
  maxConcurrentConnects: number;
  healthIntervalMs: number;
  readyWaitMs: number;
  askSecret?: (host: string, kind: SecretKind, prompt: string) => Promise<string | undefined>;
  /** Called once for each new session, before it connects: where its events get routed. */
  onSession: (session: HostSession) => void;
}

/** One host's agent as a caller outside the core sees it (a migration coordinator drives two of these). */
export interface HostAgent {
  readonly host: string;
  /** Waits for a connecting host like every API action does, then calls its agent. */
  call<M extends AgentMethodName>(method: M, params: AgentParams<M>, options?: CallOptions): Promise<AgentResult<M>>;
  /** Listens to one kind of event this host's agent pushes, across agent restarts; returns the unsubscribe. */
  on<E extends AgentEventName>(event: E, listener: (data: AgentEventData<E>) => void): () => void;
  /** An exec channel of its own running the host's agent with these arguments (HostSession.agentChannel). */
  channel(args: readonly string[], options?: { signal?: AbortSignal }): Promise<ClientChannel>;
  /** Why the login may not open that channel (its sudo rule lacks the command), or undefined (HostSession.agentChannelRefusal). */
  channelRefusal(args: readonly string[], options?: { signal?: AbortSignal }): Promise<string | undefined>;
}

/** Loads once and keeps the result, but tries again after a failure (a bundle being rebuilt, say). */
function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    loaded.catch(() => { loaded = undefined; });
    return loaded;
  };
}

export class SessionPool {
  private readonly sessions = new Map<string, HostSession>();
  /** The last registry entry of each host, so a session still winding down can read a host just removed. */
  private readonly latestHost = new Map<string, Host>();
  private readonly connectSlots: Semaphore;
  // Jump hosts connect from their own pool: targets waiting for their jump host never hold up its handshake.
  private readonly jumpConnectSlots: Semaphore;
  private readonly bundle: () => Promise<AgentBundle>;
  private readonly signingKey: () => Promise<AgentSigningKey>;
  private healthIntervalMs: number;

  constructor(private readonly options: SessionPoolOptions) {
    this.healthIntervalMs = options.healthIntervalMs;
    this.connectSlots = createSemaphore(options.maxConcurrentConnects);
    this.jumpConnectSlots = createSemaphore(options.maxConcurrentConnects);
    const bundlePath = options.agentBundlePath ?? defaultAgentBundlePath();
    this.bundle = loadOnce(() => loadAgentBundle(bundlePath));
    this.signingKey = loadOnce(() => loadAgentSigningKey(path.join(options.dataDir, 'agent-signing-key.pem')));
  }

  /** The session of a registry host, created (not started) on first use. */
  session(name: string): HostSession {
    if (!this.options.registry.get(name)) throw new HostRegistryError('notFound', name, `There is no host named ${name} in the registry`);
    return this.sessionOf(name);
  }

  /** Starts connecting a host (and keeps it connected until disconnect). */
  connect(name: string): HostSession {
    const session = this.session(name);
    session.start();
    return session;
  }

  disconnect(name: string): void {
    this.sessions.get(name)?.stop();
  }

  /** A registry host's agent, connecting the host if it is not yet. */
  agent(name: string): HostAgent {
    const session = this.connect(name);
    return {
      host: name,
      call: (method, params, options) => session.call(method, params, options),
      on: (event, listener) => {
        const onEvent = (...[kind, data]: [AgentEventName, unknown]): void => { if (kind === event) listener(data as never); };
        session.on('agentEvent', onEvent);
        return () => { session.off('agentEvent', onEvent); };
      },
      channel: (args, options) => session.agentChannel(args, options),
      channelRefusal: (args, options) => session.agentChannelRefusal(args, options),
    };
  }

  /**
   * A new health sample period: every agent running now is subscribed again with it, every later
   * one starts with it (an agent lost meanwhile subscribes with it when it comes back).
   */
  async setHealthInterval(intervalMs: number): Promise<void> {
    this.healthIntervalMs = intervalMs;
    await Promise.allSettled([...this.sessions.values()].map((session) => session.resubscribe()));
  }

  /** A new fleet-wide connect limit, for the handshakes that start from now on. */
  setMaxConcurrentConnects(limit: number): void {
    this.connectSlots.setLimit(limit);
    this.jumpConnectSlots.setLimit(limit);
  }

  /** Follows the registry: remembers every host's entry, stops and drops the sessions of removed hosts. */
  retain(hosts: Host[]): void {
    const names = new Set(hosts.map((host) => host.name));
    for (const host of hosts) this.latestHost.set(host.name, host);
    for (const name of [...this.latestHost.keys()]) {
      if (names.has(name)) continue;
      this.sessions.get(name)?.stop();
      this.sessions.delete(name);
      this.latestHost.delete(name);
    }
  }

  close(): void {
    for (const session of this.sessions.values()) session.stop();
    this.sessions.clear();
  }

  private hostEntry(name: string): Host {
    const { registry } = this.options;
    return registry.get(name) ?? this.latestHost.get(name) ?? registry.require(name);
  }

  private isJumpHost(name: string): boolean {
    return this.options.registry.list().some((host) => host.jump === name);
  }

  private sessionOf(name: string): HostSession {
    const existing = this.sessions.get(name);
    if (existing) return existing;
    const { registry, secrets, verifier, settings, askSecret } = this.options;
    this.latestHost.set(name, registry.require(name));
    const connection = new SshConnection({
      host: () => this.hostEntry(name),
      credentials: (host) => sshCredentials(host, {
        secret: (hostName, kind) => secrets.get(hostName, kind),
        ...(askSecret ? { ask: askSecret } : {}),
        remember: (hostName, kind, secret) => secrets.set(hostName, kind, secret),
      }),
      verifyHostKey: (host, keyBlob) => verifier.verify(host, keyBlob),
      openTunnel: (host) => this.openTunnel(host),
      connectSlots: () => (this.isJumpHost(name) ? this.jumpConnectSlots : this.connectSlots),
      settings,
    });
    const session = new HostSession(connection, {
      host: () => this.hostEntry(name),
      bundle: this.bundle,
      signingKey: this.signingKey,
      healthIntervalMs: () => this.healthIntervalMs,
      readyWaitMs: this.options.readyWaitMs,
      agentRestartBackoff: DEFAULT_BACKOFF,
      servesAsJump: () => this.isJumpHost(name),
    });
    this.options.onSession(session);
    this.sessions.set(name, session);
    return session;
  }

  /** A host behind a jump host connects through a TCP stream forwarded by the jump host's own connection. */
  private async openTunnel(host: Host) {
    if (host.jump === undefined) return undefined;
    const hop = this.options.registry.jumpRoute(host.name).at(-1);
    if (!hop) return undefined;
    if (hop.kind !== 'registry') {
      throw new HostError(host.name, `its jump host ${host.jump} is not in the registry; add it as a host so its key can be checked`);
    }
    const jump = this.sessionOf(hop.host.name).connection;
    jump.start();
    try {
      await jump.whenConnected(this.options.settings.readyTimeoutMs * 2);
      return await jump.forwardTo(host.address, host.port);
    } catch (error) {
      // Whatever keeps the jump host down (a key to approve, a lost link) can pass: retry with backoff.
      const cause = error instanceof HostError ? error.detail : (error as Error).message;
      throw new HostError(host.name, `its jump host ${hop.host.name} is not available (${cause})`, 'unreachable');
    }
  }
}
