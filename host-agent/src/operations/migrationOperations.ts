// The agent's half of a migration (docs/architecture.md, "Migration"): holding the guest across
// the coordinator's calls, inspecting the source, probing the target, the transfer key and its
// confinement, rsync rounds into the target's staging directory, the arrival (migration/arrival.ts)
// and the start with it, markers, freezing,
// the announcement, verification and the cleanup that leaves nothing blocking a retry.
import { connect } from 'node:net';
import { promises as fs } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import type { AgentEventData } from '../../../shared/protocol/events';
import type { AgentMethodName, AgentParsedParams, AgentResult } from '../../../shared/protocol/methods';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { isIpv4, LINUX_CAPABILITIES, XID_MAX, XID_MIN } from '../../../shared/validation';
import { writeFileAtomic } from '../config/atomicFile';
import { guestConfigDir } from '../config/guestConfigStore';
import { writeScalar } from '../config/configValueFiles';
import { HOST_VETH_PREFIX } from '../drivers/namespaces/network/guestNetwork';
import { uplinkFor } from '../drivers/namespaces/network/uplink';
import { asAgentError, guestError, hostError } from '../errors/agentError';
import { readDiskSpace } from '../host/diskSpace';
import { findExecutable, runTool } from '../process/runTool';
import { announceAddresses, answeringDevices, arpAnswers, deviceMac, hostAddresses } from '../migration/announce';
import { readMarker, removeMarker, writeMarker } from '../migration/migrationMarker';
import { probeTarget, transferRound } from '../migration/rsyncTransfer';
import { arriveStaged } from '../migration/arrival';
import {
  authorizedKeyLine, authorizedMigrations, authorizeKey, listTransferKeys, makeTransferKey, removeTransferKey, revokeKey, rootAuthorizedKeysFile,
} from '../migration/transferKeys';
import { migrationHoldOperation, type AgentContext } from './agentContext';
import { startUnlocked, stopGuest } from './lifecycleOperations';

/** Host-wide lock keys (never guest names): root's authorized_keys, and ip_nonlocal_bind around an announcement. */
export const AUTHORIZED_KEYS_LOCK = '.authorized-keys';
export const ANNOUNCE_LOCK = '.announce';
const PROGRESS_EVERY_MS = 500;
/** Between two tries of the guest's port during verification. */
const VERIFY_POLL_MS = 20;

/** How long a host-wide step waits for another migration's turn at it (each turn is a few milliseconds). */
const HOST_STEP_WAIT_MS = 10_000;

type MigrationMethod = Extract<AgentMethodName, `migration${string}`>;

/** A short host-wide step (authorized_keys, the announcement) under its lock, waiting while another migration of this host has it. */
export async function hostStep<T>(context: AgentContext, key: string, operation: string, action: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + HOST_STEP_WAIT_MS;
  for (;;) {
    try {
      return await context.locks.with(key, operation, action);
    } catch (error) {
      if ((error as { code?: number }).code !== ERROR_CODES.busy || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.floor(Math.random() * 40)));
    }
  }
}
type Handlers = { [M in MigrationMethod]: (params: AgentParsedParams<M>, signal: AbortSignal) => Promise<AgentResult<M>> };

/** Where the target stages an incoming copy: root/ and config/ under <guestBase>/.vfleet-migration/<id>/ (a dot-folder: never a guest). */
export function stagingDir(context: AgentContext, migration: string): string {
  return join(context.paths.guestBase, '.vfleet-migration', migration);
}

/** Which authorized_keys file a migration's key went into, so cleanup finds it whatever sshd reads then. */
function authorizedRecord(context: AgentContext, migration: string): string {
  return join(context.paths.stateDir, 'migration', `${migration}.authorized`);
}

function isInside(base: string, path: string): boolean {
  const relation = relative(base, path);
  return relation !== '' && !relation.startsWith('..') && !isAbsolute(relation);
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, () => false);
}

async function sizeOnDisk(paths: string[]): Promise<number> {
  const output = await runTool('du', ['-s', '-x', '-B1', '--', ...paths]);
  return output.stdout.split('\n').reduce((sum, line) => sum + (Number(line.split(/\s+/)[0]) || 0), 0);
}

async function capLastCap(): Promise<number> {
  const text = await fs.readFile('/proc/sys/kernel/cap_last_cap', 'utf8').catch(() => undefined);
  return text === undefined ? LINUX_CAPABILITIES.length - 1 : Number(text.trim());
}

/** The lowest context id no guest here uses, above `after` if one is free there. */
function freeXid(used: Set<number>, after: number): number | undefined {
  for (let xid = after + 1; xid <= XID_MAX; xid += 1) if (!used.has(xid)) return xid;
  for (let xid = XID_MIN; xid <= after; xid += 1) if (!used.has(xid)) return xid;
  return undefined;
}

async function waitForPort(address: string, port: number, timeoutMs: number): Promise<{ open: boolean; error?: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const outcome = await new Promise<string | undefined>((resolve) => {
      const socket = connect({ host: address, port, timeout: 1_000 });
      socket.once('connect', () => { socket.destroy(); resolve(undefined); });
      socket.once('timeout', () => { socket.destroy(); resolve('timed out'); });
      socket.once('error', (error) => { socket.destroy(); resolve(error.message); });
    });
    if (outcome === undefined) return { open: true };
    last = outcome;
    if (Date.now() > deadline) return { open: false, error: last };
    // Finely: the guest's downtime lasts until its port answers (a refused connect costs next to nothing).
    await new Promise((resolve) => setTimeout(resolve, VERIFY_POLL_MS));
  }
}

export function migrationHandlers(
  context: AgentContext,
  progress: (data: AgentEventData<'migrationProgress'>) => void,
): Handlers {
  const { paths } = context;
  const held = (name: string, operation: string, migration: string, action: () => Promise<unknown>): Promise<unknown> =>
    context.withGuestLock(name, operation, action, migration);

  return {
    migrationHold: async ({ migration, name }) => {
      const current = context.migrationHolds.get(name);
      if (current?.migration === migration) return {};
      if (current) throw guestError(ERROR_CODES.busy, name, `busy: migration ${current.migration} holds it`, { migration: current.migration });
      // Another agent process may still hold it for this very migration (its session was cut): the coordinator's new session takes over.
      const lock = await context.locks.acquire(name, migrationHoldOperation(migration), true);
      context.migrationHolds.set(name, { migration, lock });
      return {};
    },

    migrationRelease: async ({ migration, name }) => {
      const current = context.migrationHolds.get(name);
      if (current?.migration !== migration) return {};
      context.migrationHolds.delete(name);
      await current.lock.release();
      return {};
    },

    migrationInspect: async ({ name }) => {
      const config = await context.readConfig(name);
      const status = await context.statusOf(config);
      const devices = await answeringDevices(config);
      const answeringMacs: { ip: string; mac: string }[] = [];
      for (const { ip, device } of devices) {
        const mac = await deviceMac(device);
        if (mac) answeringMacs.push({ ip, mac });
      }
      const marker = await readMarker(paths.configBase, name);
      return {
        config,
        status,
        sizeBytes: await sizeOnDisk([config.rootDir, guestConfigDir(paths.configBase, name)]),
        answeringMacs,
        ...(marker ? { marker } : {}),
      };
    },

    migrationProbe: async ({ name, xid, ips, bcapabilities, ownMacs }) => {
      const configDir = guestConfigDir(paths.configBase, name);
      const rootDir = join(paths.guestBase, name);
      const present: string[] = [];
      for (const path of [configDir, rootDir]) if (await exists(path)) present.push(path);
      const configs = await context.readEveryConfig(`checking whether guest '${name}' can move here`);
      const owner = configs.find((config) => config.xid === xid && config.name !== name);
      const used = new Set(configs.map((config) => config.xid));
      const addresses = await hostAddresses();
      const addressesInUse: { ip: string; mac: string }[] = [];
      const addressesOffSubnet: string[] = [];
      for (const ip of ips) {
        const guestOwner = configs.find((config) => config.name !== name && config.interfaces.some((entry) => entry.ip === ip));
        if (guestOwner) addressesInUse.push({ ip, mac: `guest ${guestOwner.name} of this host` });
        if (addresses.some((entry) => entry.address === ip)) addressesInUse.push({ ip, mac: 'this host itself' });
        if (!isIpv4(ip)) continue;
        const device = uplinkFor(addresses, ip, '', HOST_VETH_PREFIX);
        if (!device) {
          addressesOffSubnet.push(ip);
          continue;
        }
        for (const mac of await arpAnswers(ip, device)) if (!ownMacs.includes(mac)) addressesInUse.push({ ip, mac });
      }
      const lastCap = await capLastCap();
      const unsupportedCapabilities = bcapabilities.filter((capability) => {
        const index = (LINUX_CAPABILITIES as readonly string[]).indexOf(capability);
        return index < 0 || index > lastCap;
      });
      const problems = [
        findExecutable('rsync') ? undefined : 'rsync is not installed',
        findExecutable('rrsync') ? undefined : 'rrsync is not installed (it ships with Debian\'s rsync package)',
        findExecutable('arping') ? undefined : 'arping is not installed (Debian package iputils-arping)',
      ].filter((problem): problem is string => problem !== undefined);
      const proposedXid = owner ? freeXid(used, xid) : undefined;
      return {
        nameFree: present.length === 0,
        ...(present.length > 0 ? { nameDetail: `${present.join(' and ')} ${present.length > 1 ? 'are' : 'is'} present` } : {}),
        xidFree: owner === undefined,
        ...(owner ? { xidOwner: owner.name } : {}),
        ...(proposedXid !== undefined ? { proposedXid } : {}),
        addressesInUse,
        addressesOffSubnet,
        unsupportedCapabilities,
        diskFree: (await readDiskSpace(paths.guestBase)).diskFree,
        ...(problems.length > 0 ? { directTransportProblem: problems.join('; ') } : {}),
      };
    },

    migrationKey: async ({ migration }) => ({ publicKey: await makeTransferKey(paths.runDir, migration) }),

    migrationPrepare: async ({ migration, name, from, publicKey }) => {
      const staging = stagingDir(context, migration);
      await held(name, 'migration prepare', migration, async () => {
        for (const path of [guestConfigDir(paths.configBase, name), join(paths.guestBase, name)]) {
          if (await exists(path)) throw guestError(ERROR_CODES.conflict, name, `a guest of that name is already here (${path} is present)`);
        }
        const rrsync = findExecutable('rrsync');
        if (!rrsync) throw hostError(ERROR_CODES.unsupported, 'rrsync is not installed (it ships with Debian\'s rsync package)');
        await fs.mkdir(join(paths.guestBase, '.vfleet-migration'), { recursive: true, mode: 0o700 });
        await fs.mkdir(join(staging, 'root'), { recursive: true, mode: 0o700 });
        await fs.mkdir(join(staging, 'config'), { recursive: true, mode: 0o700 });
        // A relayed transfer needs no key: the core runs the same forced command itself (migration/relayPipe.ts).
        if (publicKey === undefined) return;
        await hostStep(context, AUTHORIZED_KEYS_LOCK, `migration ${migration}`, async () => {
          const file = await rootAuthorizedKeysFile(from);
          await fs.mkdir(join(paths.stateDir, 'migration'), { recursive: true, mode: 0o700 });
          await writeFileAtomic(authorizedRecord(context, migration), `${file}\n`, 0o600);
          await authorizeKey(file, migration, authorizedKeyLine(migration, from, staging, publicKey, rrsync));
        });
      });
      return { staging };
    },

    migrationReach: async ({ migration, address, port, hostKey }) => probeTarget(paths.runDir, migration, { address, port, hostKey }),

    // A cancel of the round (the coordinator's abort) stops its rsync; so does the agent's shutdown, which aborts every request's signal.
    migrationSync: async ({ migration, name, address, port, hostKey, relay }, signal) => held(name, 'migration sync', migration, async () => {
      const config = await context.readConfig(name);
      let lastSent = 0;
      const started = Date.now();
      try {
        const transport = relay ? { relay: true as const } : { direct: { address, port, hostKey } };
        return await transferRound(paths.runDir, migration, { root: config.rootDir, config: guestConfigDir(paths.configBase, name) }, transport, (figures) => {
          const now = Date.now();
          if (now - lastSent < PROGRESS_EVERY_MS) return;
          lastSent = now;
          progress({ migration, name, ...figures, time: now });
        }, signal);
      } catch (error) {
        throw guestError(ERROR_CODES.failed, name, `the ${relay ? 'relayed ' : ''}transfer to ${address} failed after ${Math.round((Date.now() - started) / 100) / 10} s: ${asAgentError(error).reason}`);
      }
    }) as Promise<AgentResult<'migrationSync'>>,

    // Before the switch, so that nothing the pre-copy wrote is left for the source guest's own sync() in its stop
    // sequence (on hosts that share a disk, a lab's) or for after the commit, when the source copy may be gone.
    migrationFlush: async ({ migration, name }) => held(name, 'migration flush', migration, async () => {
      const started = Date.now();
      const staging = stagingDir(context, migration);
      const copy = (await exists(staging)) ? staging : join(paths.guestBase, name);
      await runTool('sync', ['-f', '--', copy]).catch((error: unknown) => { throw asAgentError(error, name); });
      return { durationMs: Date.now() - started };
    }) as Promise<AgentResult<'migrationFlush'>>,

    // With `start`, the arrived copy is started under the same hold, from the configuration the arrival
    // read: one call and one read of it inside the downtime, not two.
    migrationArrive: async ({ migration, name, from, xid, specials, start }, signal) => held(name, 'migration arrival', migration, async () => {
      const begun = Date.now();
      await arriveStaged(paths, { migration, name, from, xid, specials, staging: stagingDir(context, migration) });
      const config = await context.readConfig(name);
      const arrivalMs = Date.now() - begun;
      if (!start) return { config, arrivalMs };
      const status = await startUnlocked(context, name, { migration, signal, config });
      return { config, arrivalMs, status, startMs: Date.now() - begun - arrivalMs };
    }) as Promise<AgentResult<'migrationArrive'>>,

    migrationMark: async ({ migration, name, state, peer }) => {
      await held(name, 'migration marker', migration, async () => {
        const configDir = guestConfigDir(paths.configBase, name);
        const current = await readMarker(paths.configBase, name);
        if (current && current.migration !== migration) {
          throw guestError(ERROR_CODES.conflict, name, `it carries the marker of migration ${current.migration}, not ${migration}`, { migration: current.migration });
        }
        if (state === null) {
          if (current?.mark) await writeScalar(configDir, 'apps/init/mark', current.mark);
          await removeMarker(paths.configBase, name);
          return;
        }
        const config = await context.readConfig(name);
        const mark = current?.mark ?? (config.mark === '' ? undefined : config.mark);
        await writeMarker(configDir, { migration, state, peer, since: Date.now(), ...(state === 'moved' && mark ? { mark } : {}) });
        if (state === 'moved') await writeScalar(configDir, 'apps/init/mark', undefined);
      });
      const marker = await readMarker(paths.configBase, name);
      return marker ? { marker } : {};
    },

    migrationFreeze: async ({ migration, name, frozen }) => held(name, frozen ? 'migration freeze' : 'migration thaw', migration, async () => {
      const config = await context.readConfig(name);
      if (!context.driver.freezes) throw guestError(ERROR_CODES.unsupported, name, `the ${context.driver.name} driver cannot freeze a guest; migrate it in stop mode`);
      try {
        if (frozen) await context.driver.freeze(config);
        else await context.driver.thaw(config);
      } catch (error) {
        throw asAgentError(error, name);
      }
      return context.statusOf(config);
    }) as Promise<AgentResult<'migrationFreeze'>>,

    migrationAnnounce: async ({ name }) => {
      const config = await context.readConfig(name);
      const announced = await hostStep(context, ANNOUNCE_LOCK, `announcing guest '${name}'`, () => announceAddresses(config))
        .catch((error: unknown) => { throw asAgentError(error, name); });
      return { announced };
    },

    migrationVerify: async ({ name, port, timeoutMs }) => {
      const config = await context.readConfig(name);
      const status = await context.statusOf(config);
      const initAlive = status.state === 'running';
      const result: AgentResult<'migrationVerify'> = { initAlive, ...(status.initPid ? { initPid: status.initPid } : {}) };
      if (port !== undefined) {
        const address = config.interfaces.find((entry) => isIpv4(entry.ip))?.ip;
        if (!address) return { ...result, port: { port, address: '', open: false, error: 'the guest has no IPv4 address' } };
        result.port = { port, address, ...(initAlive ? await waitForPort(address, port, timeoutMs) : { open: false, error: 'the guest is not running' }) };
      }
      return result;
    },

    migrationCleanup: async ({ migration, name, discardArrival }) => {
      const removed: string[] = [];
      if (await removeTransferKey(paths.runDir, migration)) removed.push('transfer key');
      const record = authorizedRecord(context, migration);
      const file = (await fs.readFile(record, 'utf8').catch(() => '')).trim();
      if (file) {
        await hostStep(context, AUTHORIZED_KEYS_LOCK, `migration ${migration}`, async () => {
          if (await revokeKey(file, migration)) removed.push(`authorised key in ${file}`);
        });
        await fs.rm(record, { force: true });
      }
      const staging = stagingDir(context, migration);
      if (await exists(staging)) {
        await fs.rm(staging, { recursive: true, force: true });
        removed.push(`staging ${staging}`);
      }
      // The staging folder's parent goes once no migration stages here.
      await fs.rmdir(join(paths.guestBase, '.vfleet-migration')).catch(() => undefined);
      const arriving = join(paths.configBase, `.${name}.arriving-${migration}`);
      if (await exists(arriving)) {
        await fs.rm(arriving, { recursive: true, force: true });
        removed.push(`half-written configuration ${arriving}`);
      }
      if (discardArrival) {
        await held(name, 'migration discard', migration, async () => {
          const marker = await readMarker(paths.configBase, name).catch(() => undefined);
          if (marker?.migration !== migration || marker.state !== 'arriving') return;
          const config = await context.readConfig(name);
          if ((await context.statusOf(config)).state === 'running') await stopGuest(context, name, migration, true);
          await context.driver.cleanup(config).catch((error: unknown) => { throw asAgentError(error, name); });
          const configDir = guestConfigDir(paths.configBase, name);
          if (isInside(paths.guestBase, config.rootDir)) await fs.rm(config.rootDir, { recursive: true, force: true });
          await fs.rm(configDir, { recursive: true, force: true });
          removed.push(`unfinished arrival of guest '${name}'`);
        });
      }
      return { removed };
    },

    migrationList: async () => {
      const markers: AgentResult<'migrationList'>['markers'] = [];
      const { configs } = await context.scanConfigs();
      for (const config of configs) {
        const marker = await readMarker(paths.configBase, config.name).catch(() => undefined);
        if (marker) markers.push({ name: config.name, marker, running: (await context.runStateOf(config)).state === 'running' });
      }
      const staging = (await fs.readdir(join(paths.guestBase, '.vfleet-migration')).catch(() => [] as string[])).filter((id) => /^m-[0-9a-z]{8,40}$/.test(id));
      const records = (await fs.readdir(join(paths.stateDir, 'migration')).catch(() => [] as string[])).filter((entry) => entry.endsWith('.authorized'));
      const authorized = new Set<string>();
      for (const entry of records) {
        const file = (await fs.readFile(join(paths.stateDir, 'migration', entry), 'utf8').catch(() => '')).trim();
        if (file) for (const id of await authorizedMigrations(file)) authorized.add(id);
      }
      return {
        markers,
        staging,
        keys: await listTransferKeys(paths.runDir),
        authorized: [...authorized],
        held: [...context.migrationHolds].map(([name, hold]) => ({ name, migration: hold.migration })),
      };
    },
  };
}
