// The fleet core's composition root: builds the registry, the session pool, the fleet state, the
// settings, the audit log and the API dispatcher, routes every session's events into the state and
// every settings change to the part that applies it. What it returns is the one surface the
// desktop app, the vfleet CLI and browser mode bind to.
import path from 'node:path';
import type { AlertThresholds, FleetSnapshot } from '../../shared/api/fleetState';
import type { GuestRef } from '../../shared/api/guestActions';
import type { FleetContext } from './actions/fleetContext';
import type { Settings } from '../../shared/api/settings';
import { createApiDispatcher, createTerminalOpener, type FleetApiSurface } from './api/apiDispatcher';
import { GuestLocks } from './api/guestLocks';
import { createAuditLog, type AuditLog } from './audit/auditLog';
import { routeSessionEvents } from './events/agentEventRouter';
import { HostRegistry } from './hosts/hostRegistry';
import { DEFAULT_ALERT_THRESHOLDS } from './inventory/alertRules';
import { FleetState } from './inventory/fleetState';
import { DEFAULT_HISTORY_LIMITS } from './inventory/healthHistory';
import { MigrationCoordinator } from './migration/migrationCoordinator';
import { MigrationJournals } from './migration/migrationJournal';
import { ReplicationManager } from './replication/replicationManager';
import { MemorySecretStore } from './secrets/memorySecretStore';
import type { SecretKind, SecretStore } from './secrets/secretStore';
import { SessionPool, type HostAgent } from './sessions/sessionPool';
import { FleetSettings, settingsFormat, type SettingsDocument } from './settings/fleetSettings';
import { defaultKnownHostsFiles, HostKeyVerifier } from './ssh/hostKeyVerifier';
import { DEFAULT_CONNECTION_SETTINGS, type SshConnectionSettings } from './ssh/sshConnection';
import { vfleetConfigDir } from './store/configDir';
import { openJsonFileStore } from './store/jsonFileStore';
import type { KeyValueStore } from './store/keyValueStore';

export type { FleetApiSurface } from './api/apiDispatcher';
export type { HostAgent } from './sessions/sessionPool';
export type { GuestTerminal, TerminalHandlers } from './actions/guestTerminal';

/**
 * Options below `settings` are defaults: what the admin changed in settings.json (settings.update)
 * wins over them.
 */
export interface FleetCoreOptions {
  /** Where hosts.json, settings.json and audit.jsonl live; default: the vfleet config directory. */
  dataDir?: string;
  registry?: HostRegistry;
  /** The settings' store; default: settings.json in dataDir. */
  settings?: KeyValueStore<SettingsDocument>;
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

export interface FleetCore extends FleetApiSurface {
  snapshot(): FleetSnapshot;
  /** One registry host's agent, connecting the host if needed: how a migration coordinator drives a source and a target. */
  agent(host: string): HostAgent;
  /** Keeps API changes off a guest until the returned release is called (a migration holds source and target); throws when busy. */
  lockGuest(guest: GuestRef, operation: string): () => void;
  readonly registry: HostRegistry;
  readonly state: FleetState;
  readonly audit: AuditLog;
  readonly settings: FleetSettings;
  /** Disconnects every host and stops all timers. */
  close(): Promise<void>;
}

export async function createFleetCore(options: FleetCoreOptions = {}): Promise<FleetCore> {
  const dataDir = options.dataDir ?? vfleetConfigDir();
  const secrets = options.secrets ?? new MemorySecretStore();
  const registry = options.registry ?? await HostRegistry.openFile(path.join(dataDir, 'hosts.json'), secrets);
  const settings = new FleetSettings(options.settings ?? await openJsonFileStore(path.join(dataDir, 'settings.json'), settingsFormat), {
    healthIntervalMs: options.healthIntervalMs ?? 1_000,
    history: DEFAULT_HISTORY_LIMITS,
    maxConcurrentConnects: options.maxConcurrentConnects ?? 8,
    thresholds: { ...DEFAULT_ALERT_THRESHOLDS, ...options.thresholds },
    theme: 'system',
    migrationTransport: 'auto',
  });
  const initial = settings.current();
  const state = new FleetState({ thresholds: initial.thresholds, historyLimits: initial.history });
  const audit = createAuditLog(dataDir);
  const pool = new SessionPool({
    registry,
    secrets,
    verifier: new HostKeyVerifier(registry, options.knownHostsFiles ?? defaultKnownHostsFiles()),
    settings: { ...DEFAULT_CONNECTION_SETTINGS, ...options.connection },
    dataDir,
    ...(options.agentBundlePath !== undefined ? { agentBundlePath: options.agentBundlePath } : {}),
    maxConcurrentConnects: initial.maxConcurrentConnects,
    healthIntervalMs: initial.healthIntervalMs,
    readyWaitMs: options.readyWaitMs ?? 30_000,
    ...(options.askSecret ? { askSecret: options.askSecret } : {}),
    onSession: (session) => routeSessionEvents(session, state, registry),
  });

  const syncRegistry = (): void => {
    const hosts = registry.list();
    pool.retain(hosts);
    for (const host of hosts) state.upsertHost(host);
    const names = new Set(hosts.map((host) => host.name));
    for (const view of state.snapshot().hosts) if (!names.has(view.name)) state.removeHost(view.name);
  };

  // What applies live; the rest (SETTINGS_APPLIED_AT_START) waits for the next start.
  settings.onChange(async (next: Settings, previous: Settings) => {
    state.setThresholds(next.thresholds);
    if (next.maxConcurrentConnects !== previous.maxConcurrentConnects) pool.setMaxConcurrentConnects(next.maxConcurrentConnects);
    if (next.healthIntervalMs !== previous.healthIntervalMs) await pool.setHealthInterval(next.healthIntervalMs);
  });

  const locks = new GuestLocks();
  const migrations = new MigrationCoordinator({
    journals: MigrationJournals.inDataDir(dataDir),
    registry,
    agent: (host) => pool.agent(host),
    lockGuest: (guest, operation) => locks.acquire(guest, operation),
    progress: (progress) => state.migrationProgress(progress),
    transport: () => settings.current().migrationTransport,
  });
  const replicas = new ReplicationManager({
    dataDir, registry, state, audit, agent: (host) => pool.agent(host), lockGuest: (guest, operation) => locks.acquire(guest, operation),
  });
  const context: FleetContext = {
    registry,
    state,
    audit,
    settings,
    session: (name) => pool.session(name),
    connect: (name) => pool.connect(name),
    disconnect: (name) => pool.disconnect(name),
    syncRegistry,
    migrations,
    replicas,
  };
  syncRegistry();
  replicas.start();
  // Journals a crash left unfinished are taken (their guests held) before any call comes in, then resolved.
  await migrations.start();

  return {
    registry,
    state,
    audit,
    settings,
    invoke: createApiDispatcher(context, locks),
    subscribe: (listener) => state.subscribe(listener),
    openTerminal: createTerminalOpener(context),
    snapshot: () => state.snapshot(),
    agent: (host) => pool.agent(host),
    lockGuest: (guest, operation) => locks.acquire(guest, operation),
    async close() {
      migrations.close();
      replicas.close();
      pool.close();
    },
  };
}
