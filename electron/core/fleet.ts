// The fleet core's composition root: builds the registry, the session pool, the fleet state, the
// audit log and the API dispatcher, and routes every session's events into the state. What it
// returns is the one surface the desktop app, the vfleet CLI and (to come) browser mode bind to.
import path from 'node:path';
import type { AlertThresholds, FleetSnapshot } from '../../shared/api/fleetState';
import type { GuestRef } from '../../shared/api/guestActions';
import type { FleetContext } from './actions/fleetContext';
import { createApiDispatcher, type FleetApiSurface } from './api/apiDispatcher';
import { GuestLocks } from './api/guestLocks';
import { createAuditLog, type AuditLog } from './audit/auditLog';
import { routeSessionEvents } from './events/agentEventRouter';
import { HostRegistry } from './hosts/hostRegistry';
import { FleetState } from './inventory/fleetState';
import { MigrationCoordinator } from './migration/migrationCoordinator';
import { MigrationJournals } from './migration/migrationJournal';
import { MemorySecretStore } from './secrets/memorySecretStore';
import type { SecretKind, SecretStore } from './secrets/secretStore';
import { SessionPool, type HostAgent } from './sessions/sessionPool';
import { defaultKnownHostsFiles, HostKeyVerifier } from './ssh/hostKeyVerifier';
import { DEFAULT_CONNECTION_SETTINGS, type SshConnectionSettings } from './ssh/sshConnection';
import { vfleetConfigDir } from './store/configDir';

export type { FleetApiSurface } from './api/apiDispatcher';
export type { HostAgent } from './sessions/sessionPool';

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

export interface FleetCore extends FleetApiSurface {
  snapshot(): FleetSnapshot;
  /** One registry host's agent, connecting the host if needed: how a migration coordinator drives a source and a target. */
  agent(host: string): HostAgent;
  /** Keeps API changes off a guest until the returned release is called (a migration holds source and target); throws when busy. */
  lockGuest(guest: GuestRef, operation: string): () => void;
  readonly registry: HostRegistry;
  readonly state: FleetState;
  readonly audit: AuditLog;
  /** Disconnects every host and stops all timers. */
  close(): Promise<void>;
}

export async function createFleetCore(options: FleetCoreOptions = {}): Promise<FleetCore> {
  const dataDir = options.dataDir ?? vfleetConfigDir();
  const secrets = options.secrets ?? new MemorySecretStore();
  const registry = options.registry ?? await HostRegistry.openFile(path.join(dataDir, 'hosts.json'), secrets);
  const state = new FleetState({ ...(options.thresholds ? { thresholds: options.thresholds } : {}) });
  const audit = createAuditLog(dataDir);
  const pool = new SessionPool({
    registry,
    secrets,
    verifier: new HostKeyVerifier(registry, options.knownHostsFiles ?? defaultKnownHostsFiles()),
    settings: { ...DEFAULT_CONNECTION_SETTINGS, ...options.connection },
    dataDir,
    ...(options.agentBundlePath !== undefined ? { agentBundlePath: options.agentBundlePath } : {}),
    maxConcurrentConnects: options.maxConcurrentConnects ?? 8,
    healthIntervalMs: options.healthIntervalMs ?? 1_000,
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

  const locks = new GuestLocks();
  const migrations = new MigrationCoordinator({
    journals: MigrationJournals.inDataDir(dataDir),
    registry,
    agent: (host) => pool.agent(host),
    lockGuest: (guest, operation) => locks.acquire(guest, operation),
    progress: (progress) => state.migrationProgress(progress),
  });
  const context: FleetContext = {
    registry,
    state,
    audit,
    session: (name) => pool.session(name),
    connect: (name) => pool.connect(name),
    disconnect: (name) => pool.disconnect(name),
    syncRegistry,
    migrations,
  };
  syncRegistry();
  // Journals a crash left unfinished are taken (their guests held) before any call comes in, then resolved.
  await migrations.start();

  return {
    registry,
    state,
    audit,
    invoke: createApiDispatcher(context, locks),
    subscribe: (listener) => state.subscribe(listener),
    snapshot: () => state.snapshot(),
    agent: (host) => pool.agent(host),
    lockGuest: (guest, operation) => locks.acquire(guest, operation),
    async close() {
      migrations.close();
      pool.close();
    },
  };
}
