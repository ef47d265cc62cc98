// Fleet cores pointed at a lab: each with its own data folder, short keepalive and backoff so
// faults show within seconds, and lab hosts added with the lab's client key.
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultAgentBundlePath } from '../../../electron/core/agent/agentBundle';
import { createFleetCore, type FleetCore, type FleetCoreOptions } from '../../../electron/core/fleet';
import { sha256Fingerprint } from '../../../electron/core/ssh/hostKeyFingerprint';
import type { FleetDelta } from '../../../shared/api/fleetState';
import { labDown, type Lab } from '../../lab/lab';

export const FAST_CONNECTIONS: FleetCoreOptions['connection'] = {
  keepaliveIntervalMs: 500,
  keepaliveCountMax: 3,
  readyTimeoutMs: 4_000,
  backoff: { initialMs: 200, maxMs: 2_000, jitter: 0.5 },
};

export interface CoreHandle {
  core: FleetCore;
  dataDir: string;
  deltas: FleetDelta[];
  close(): Promise<void>;
}

let pinnedBundle: Promise<string> | undefined;

/** One copy of the agent bundle per test file, so a rebuild during the run cannot change what is deployed. */
export function pinAgentBundle(): Promise<string> {
  pinnedBundle ??= (async () => {
    const copy = path.join(await mkdtemp(path.join(tmpdir(), 'vfleet-bundle-')), 'vfleet-agent.js');
    await copyFile(defaultAgentBundlePath(), copy);
    return copy;
  })();
  return pinnedBundle;
}

export async function startCore(options: Partial<FleetCoreOptions> & { dataDir?: string } = {}): Promise<CoreHandle> {
  const dataDir = options.dataDir ?? await mkdtemp(path.join(tmpdir(), 'vfleet-core-'));
  const agentBundlePath = await pinAgentBundle();
  const core = await createFleetCore({ knownHostsFiles: [], connection: FAST_CONNECTIONS, readyWaitMs: 20_000, agentBundlePath, ...options, dataDir });
  const deltas: FleetDelta[] = [];
  core.subscribe((delta) => deltas.push(delta));
  return { core, dataDir, deltas, close: () => core.close() };
}

export async function removeDataDir(handle: CoreHandle | undefined): Promise<void> {
  if (handle) await rm(handle.dataDir, { recursive: true, force: true });
}

export async function unpinAgentBundle(): Promise<void> {
  if (pinnedBundle) await rm(path.dirname(await pinnedBundle), { recursive: true, force: true });
  pinnedBundle = undefined;
}

/** The end of a test file with one core on one lab: the core closed, its data, the pinned bundle and the lab removed. */
export async function closeCoreAndLab(handle: CoreHandle | undefined, labName: string): Promise<void> {
  await handle?.close();
  await removeDataDir(handle);
  await unpinAgentBundle();
  await labDown({ name: labName });
}

/** Hosts logged in to as another user than root (e.g. the sudo operator of sudoOperator.ts), by name. */
export type LabLogins = Partial<Record<string, { user: string; sudo: boolean }>>;

/** Adds every lab host (or the named ones) to the core's registry, logging in with the lab's key (as root, or as `logins` says). */
export async function addLabHosts(core: FleetCore, lab: Lab, names = lab.hosts.map((host) => host.name), logins: LabLogins = {}): Promise<void> {
  for (const name of names) {
    const host = lab.host(name);
    await core.invoke('hosts.add', { name, address: host.address, port: host.port, auth: { kind: 'keyFile', keyPath: lab.keyPath }, ...logins[name] });
  }
}

/** The SHA256 fingerprint of a lab host's key as its known_hosts file records it. */
export async function labFingerprint(lab: Lab, name: string): Promise<string> {
  const address = lab.host(name).address;
  const lines = (await readFile(lab.knownHostsPath, 'utf8')).split('\n');
  const line = lines.find((candidate) => candidate.split(' ')[0]?.split(',').some((pattern) => pattern === address || pattern === name));
  const keyBase64 = line?.split(' ')[2];
  if (!keyBase64) throw new Error(`no known_hosts entry for ${name} in ${lab.knownHostsPath}`);
  return sha256Fingerprint(Buffer.from(keyBase64, 'base64'));
}

/** Connects and approves every pending lab host, checking the fingerprint against the lab's files. */
export async function onboardLabHosts(core: FleetCore, lab: Lab, names = lab.hosts.map((host) => host.name), logins: LabLogins = {}): Promise<void> {
  await addLabHosts(core, lab, names, logins);
  const first = await core.invoke('hosts.connect', { names, timeoutMs: 30_000 });
  for (const status of first) {
    if (status.connection !== 'pendingApproval' || !status.offeredFingerprint) throw new Error(`${status.name} is ${status.connection}, not pending: ${status.error}`);
    if (status.offeredFingerprint !== await labFingerprint(lab, status.name)) throw new Error(`${status.name} offered an unexpected key`);
    await core.invoke('hosts.approveKey', { name: status.name, fingerprint: status.offeredFingerprint });
  }
  const connected = await core.invoke('hosts.connect', { names, timeoutMs: 60_000 });
  for (const status of connected) {
    if (status.connection !== 'connected' || !status.agent) throw new Error(`${status.name} did not come up: ${status.connection} ${status.error ?? ''}`);
  }
}

/** Polls a condition on the fleet state (deltas drive it; polling only reads memory). */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
