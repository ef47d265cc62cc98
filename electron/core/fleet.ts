// The fleet core's facade: wires the registry, the SSH connections and agent sessions, the fleet
// state, the actions and the audit log into one object whose `invoke` is the app API that the
// desktop app, browser mode and the vfleet CLI all use.
import path from 'node:path';
import type { FleetSnapshot } from '../../shared/api/fleetState';
import { fleetApi, type FleetApiMethod, type FleetApiParams, type FleetApiParsedParams, type FleetApiResult } from '../../shared/api/fleetApi';
import type { AlertThresholds } from '../../shared/api/fleetState';
import type { Host } from '../../shared/api/hosts';
import { fleetExec } from './actions/fleetExec';
import type { FleetContext } from './actions/fleetContext';
import { fleetStat } from './actions/fleetStat';
import {
  buildGuest, deleteGuest, execGuest, guestCapabilities, guestLimits, guestUname, restartGuest, startGuest, stopGuest,
} from './actions/guestActions';
import {
  addHost, applyHostImport, approveHostKey, connectHosts, disconnectHosts, previewHostImport, removeHost, updateHost,
} from './actions/hostActions';
import { defaultAgentBundlePath, loadAgentBundle, type AgentBundle } from './agent/agentBundle';
import { HostSession } from './agent/hostSession';
import { loadAgentSigningKey, type AgentSigningKey } from './agent/agentSigningKey';
import { createAuditLog, type AuditLog } from './audit/auditLog';
import { HostRegistry } from './hosts/hostRegistry';
import { FleetState, type DeltaListener } from './inventory/fleetState';
import { MemorySecretStore } from './secrets/memorySecretStore';
import type { SecretKind, SecretStore } from './secrets/secretStore';
import { DEFAULT_BACKOFF } from './ssh/backoff';
import { defaultKnownHostsFiles, HostKeyVerifier } from './ssh/hostKeyVerifier';
import { createSemaphore } from './ssh/semaphore';
import { sshCredentials } from './ssh/sshCredentials';
import { DEFAULT_CONNECTION_SETTINGS, SshConnection, type SshConnectionSettings } from './ssh/sshConnection';
import { HostError } from './ssh/sshErrors';
import { vfleetConfigDir } from './store/configDir';

export interface FleetCoreOptions {
  /** Where hosts.json and audit.jsonl live; default: the vfleet config directory. */
  dataDir?: string;
  registry?: HostRegistry;
  secrets?: SecretStore;
  knownHostsFiles?: string[];
  agentBundlePath?: string;
  connection?: Partial<SshConnectionSettings>;
  /** SSH handshakes running at once across the fleet. */
  maxConcurrentConnects?: number;
  /** Period of the agents' health samples. */
  healthIntervalMs?: number;
  /** How long an action waits for a host that is still connecting. */
  readyWaitMs?: number;
  thresholds?: Partial<AlertThresholds>;
  /** Asks the admin for a password or passphrase (CLI prompt); the answer stays in memory. */
  askSecret?: (host: string, kind: SecretKind, prompt: string) => Promise<string | undefined>;
}

export interface FleetCore {
  invoke<M extends FleetApiMethod>(method: M, params: FleetApiParams<M>, signal?: AbortSignal): Promise<FleetApiResult<M>>;
  subscribe(listener: DeltaListener): () => void;
  snapshot(): FleetSnapshot;
  readonly registry: HostRegistry;
  readonly state: FleetState;
  readonly audit: AuditLog;
  /** Disconnects every host and stops all timers. */
  close(): Promise<void>;
}

type Handler = (context: FleetContext, params: never, signal?: AbortSignal) => Promise<unknown> | unknown;

const handlers: { [M in FleetApiMethod]: (context: FleetContext, params: FleetApiParsedParams<M>, signal?: AbortSignal) => Promise<FleetApiResult<M>> | FleetApiResult<M> } = {
  'hosts.list': (context) => context.registry.list(),
  'hosts.add': addHost,
  'hosts.update': updateHost,
  'hosts.remove': removeHost,
  'hosts.approveKey': approveHostKey,
  'hosts.importPreview': previewHostImport,
  'hosts.importApply': applyHostImport,
  'hosts.connect': connectHosts,
  'hosts.disconnect': disconnectHosts,
  'inventory.snapshot': (context) => context.state.snapshot(),
  'inventory.history': (context, params) => {
    const history = context.state.history(params.host, params.guest);
    if (!history) throw new HostError(params.host, `Host ${params.host}${params.guest ? `, guest ${params.guest}` : ''}: not in the fleet`);
    return history;
  },
  'guest.build': buildGuest,
  'guest.start': startGuest,
  'guest.stop': stopGuest,
  'guest.restart': restartGuest,
  'guest.delete': deleteGuest,
  'guest.exec': execGuest,
  'guest.limits': guestLimits,
  'guest.capabilities': guestCapabilities,
  'guest.uname': guestUname,
  'fleet.exec': fleetExec,
  'fleet.stat': fleetStat,
  'audit.query': (context, params) => context.audit.query(params),
};

export async function createFleetCore(options: FleetCoreOptions = {}): Promise<FleetCore> {
  const dataDir = options.dataDir ?? vfleetConfigDir();
  const secrets = options.secrets ?? new MemorySecretStore();
  const registry = options.registry ?? await HostRegistry.openFile(path.join(dataDir, 'hosts.json'), secrets);
  const verifier = new HostKeyVerifier(registry, options.knownHostsFiles ?? defaultKnownHostsFiles());
  const state = new FleetState({ ...(options.thresholds ? { thresholds: options.thresholds } : {}) });
  const audit = createAuditLog(dataDir);
  const settings: SshConnectionSettings = { ...DEFAULT_CONNECTION_SETTINGS, ...options.connection };
  const connectSlots = createSemaphore(options.maxConcurrentConnects ?? 8);
  // Jump hosts connect from their own pool: targets waiting for their jump host never hold up its handshake.
  const jumpConnectSlots = createSemaphore(options.maxConcurrentConnects ?? 8);
  const isJumpHost = (name: string): boolean => registry.list().some((host) => host.jump === name);
  const bundlePath = options.agentBundlePath ?? defaultAgentBundlePath();
  let bundle: Promise<AgentBundle> | undefined;
  const loadBundle = (): Promise<AgentBundle> => {
    bundle ??= loadAgentBundle(bundlePath);
    bundle.catch(() => { bundle = undefined; });
    return bundle;
  };
  let signingKey: Promise<AgentSigningKey> | undefined;
  const loadSigningKey = (): Promise<AgentSigningKey> => {
    signingKey ??= loadAgentSigningKey(path.join(dataDir, 'agent-signing-key.pem'));
    signingKey.catch(() => { signingKey = undefined; });
    return signingKey;
  };
  const sessions = new Map<string, HostSession>();
  const latestHost = new Map<string, Host>();

  const hostEntry = (name: string): Host => registry.get(name) ?? latestHost.get(name) ?? registry.require(name);

  const session = (name: string): HostSession => {
    const existing = sessions.get(name);
    if (existing) return existing;
    latestHost.set(name, registry.require(name));
    const connection = new SshConnection({
      host: () => hostEntry(name),
      credentials: (host) => sshCredentials(host, {
        secret: (hostName, kind) => secrets.get(hostName, kind),
        ...(options.askSecret ? { ask: options.askSecret } : {}),
        remember: (hostName, kind, secret) => secrets.set(hostName, kind, secret),
      }),
      verifyHostKey: (host, keyBlob) => verifier.verify(host, keyBlob),
      openTunnel: (host) => openTunnel(host),
      connectSlots: () => (isJumpHost(name) ? jumpConnectSlots : connectSlots),
      settings,
    });
    const created = new HostSession(connection, {
      host: () => hostEntry(name),
      bundle: loadBundle,
      signingKey: loadSigningKey,
      healthIntervalMs: options.healthIntervalMs ?? 1_000,
      readyWaitMs: options.readyWaitMs ?? 30_000,
      agentRestartBackoff: DEFAULT_BACKOFF,
      servesAsJump: () => isJumpHost(name),
    });
    connection.on('status', (status) => {
      const host = registry.get(name);
      if (host) state.upsertHost(host);
      state.setConnection(name, status);
    });
    created.on('synced', (sync) => state.applySync(name, sync));
    created.on('setupRetrying', (error) => state.setAgentError(name, error.message));
    // A jump host that cannot run the agent stays connected for the hosts behind it; its agent error is shown on its own.
    created.on('setupFailed', (error) => { if (connection.status.state === 'connected') state.setAgentError(name, error.message); });
    created.on('agentProtocolError', (message) => state.setAgentError(name, message));
    created.on('agentEvent', (...event) => {
      // A guest this core has not seen yet (built by hand on the host): read the list again.
      if (event[0] === 'guestState' && !state.applyGuestEvent(name, event[1])) void created.refresh().catch(() => undefined);
      else if (event[0] === 'healthSample' && !state.applyHealthSample(name, event[1])) void created.refresh().catch(() => undefined);
      else if (event[0] === 'agentError') state.setAgentError(name, `Host ${name}: the agent's ${event[1].source} failed: ${event[1].message}`);
    });
    sessions.set(name, created);
    return created;
  };

  // A host behind a jump host connects through a TCP stream forwarded by the jump host's own connection.
  const openTunnel = async (host: Host) => {
    if (host.jump === undefined) return undefined;
    const hop = registry.jumpRoute(host.name).at(-1);
    if (!hop) return undefined;
    if (hop.kind !== 'registry') {
      throw new HostError(host.name, `Host ${host.name}: its jump host ${host.jump} is not in the registry; add it as a host so its key can be checked`);
    }
    const jump = session(hop.host.name).connection;
    jump.start();
    try {
      await jump.whenConnected(settings.readyTimeoutMs * 2);
      return await jump.forwardTo(host.address, host.port);
    } catch (error) {
      // Whatever keeps the jump host down (a key to approve, a lost link) can pass: retry with backoff.
      const cause = (error as Error).message.replace(`Host ${hop.host.name}: `, '');
      throw new HostError(host.name, `Host ${host.name}: its jump host ${hop.host.name} is not available (${cause})`, 'unreachable');
    }
  };

  const syncRegistry = (): void => {
    const hosts = registry.list();
    const names = new Set(hosts.map((host) => host.name));
    for (const host of hosts) {
      latestHost.set(host.name, host);
      state.upsertHost(host);
    }
    for (const view of state.snapshot().hosts) {
      if (names.has(view.name)) continue;
      sessions.get(view.name)?.stop();
      sessions.delete(view.name);
      latestHost.delete(view.name);
      state.removeHost(view.name);
    }
  };

  const context: FleetContext = {
    registry,
    state,
    audit,
    session: (name) => {
      if (!registry.get(name)) throw new HostError(name, `There is no host named ${name} in the registry`);
      return session(name);
    },
    connect: (name) => {
      const created = context.session(name);
      created.start();
      return created;
    },
    disconnect: (name) => { sessions.get(name)?.stop(); },
    syncRegistry,
  };
  syncRegistry();

  return {
    registry,
    state,
    audit,
    async invoke(method, params, signal) {
      const spec = fleetApi[method];
      const parsed = spec.params.safeParse(params);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`${method}: ${issue ? `${issue.path.join('.') || 'parameters'}: ${issue.message}` : 'invalid parameters'}`);
      }
      // TypeScript cannot correlate handlers[method] with params of the same method; the map's type guarantees it.
      const handler = handlers[method] as unknown as Handler;
      return await handler(context, parsed.data as never, signal) as FleetApiResult<typeof method>;
    },
    subscribe: (listener) => state.subscribe(listener),
    snapshot: () => state.snapshot(),
    async close() {
      for (const created of sessions.values()) created.stop();
      sessions.clear();
    },
  };
}
