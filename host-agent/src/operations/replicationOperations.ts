// The agent's half of replication (docs/architecture.md, "Replicas and failover"): on the source
// the key, the schedule, syncs, fencing and the boot's check; on the replica host the gate's
// authorisation, the promotion (a compare-and-set of the generation under the guest's lock) and
// the removal. The sync itself and the gate are in host-agent/src/replication/.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { AgentMethodName, AgentParsedParams, AgentResult } from '../../../shared/protocol/methods';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { symlinkAtomic } from '../config/atomicFile';
import { guestConfigDir } from '../config/guestConfigStore';
import { asAgentError, guestError, hostError } from '../errors/agentError';
import { findExecutable } from '../process/runTool';
import { announceAddresses } from '../migration/announce';
import { authorizeKey, makeKeyPair, revokeKey, rootAuthorizedKeysFile } from '../migration/transferKeys';
import { knownHostsName } from '../migration/rsyncTransfer';
import { readReplicaMarker, writeReplicaMarker } from '../replication/replicaMarker';
import { fenceCopy, replicaGeneration, syncReplication } from '../replication/replicaSync';
import { ensureReplicator, replicatorPid, retireReplicator } from '../replication/replicator';
import {
  KEY_COMMENT_PREFIX, listSchedules, readReplicaRecord, readSchedule, refreshStableAgent, replicaDir, replicaRecordFile, sourceFiles, writeReplicaRecord, writeSchedule,
} from '../replication/replicationState';
import type { AgentContext } from './agentContext';
import { isInside, startMarkedGuests, startUnlocked, stopGuest } from './lifecycleOperations';
import { ANNOUNCE_LOCK, AUTHORIZED_KEYS_LOCK, hostStep } from './migrationOperations';

type ReplicationMethod = Extract<AgentMethodName, `replication${string}`>;
type Handlers = { [M in ReplicationMethod]: (params: AgentParsedParams<M>) => Promise<AgentResult<M>> };

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, () => false);
}

/** The gate's line: only from the source, no pty or forwarding, and the gate as the one command. */
function gateKeyLine(replication: string, name: string, from: string, publicKey: string, agent: string): string {
  return `from="${from}",restrict,command="${process.execPath} ${agent} replica-gate ${replication} ${name}" ${publicKey} ${KEY_COMMENT_PREFIX}${replication}`;
}

const stopper = (context: AgentContext) => (name: string): Promise<unknown> => stopGuest(context, name);

/** How long the boot waits for the replica host's answer before it decides it cannot tell. */
const BOOT_ASK_TIMEOUT_MS = 10_000;

/**
 * The host's boot (`vfleet-agent boot`): each guest this host replicates asks its replica host
 * first. A higher generation there (the replica was promoted): the copy is fenced and not started.
 * No answer: it is not started either, since this host cannot tell whether it was promoted. Then
 * `start --marked default` with those withheld, and the replicator when a replication is active.
 */
export async function bootHost(context: AgentContext, signal?: AbortSignal): Promise<{ lines: string[]; ok: boolean }> {
  const lines: string[] = [];
  const withheld = new Map<string, string>();
  for (const schedule of await listSchedules(context.paths)) {
    if (schedule.state !== 'active') continue;
    const answer = await replicaGeneration(context, schedule, BOOT_ASK_TIMEOUT_MS);
    if ('error' in answer) {
      const reason = `not started: its replica host ${schedule.to} cannot be reached to tell whether the replica was promoted (${answer.error}); ` +
        'start it once you know it was not (vfleet guest start), or fail over';
      withheld.set(schedule.name, reason);
    } else if ((answer.generation ?? 0) > schedule.generation) {
      await fenceCopy(context, schedule, answer.generation ?? 0, schedule.to, stopper(context));
      withheld.set(schedule.name, `not started: replication ${schedule.replication} promoted generation ${answer.generation} on ${schedule.to}; this copy is fenced`);
    }
  }
  const result = await startMarkedGuests(context, 'default', signal, withheld);
  // A fenced copy has lost its mark, so start --marked does not list it: each withheld guest is reported here.
  for (const [name, reason] of withheld) lines.push(`${name}: ${reason}`);
  for (const entry of result.results) {
    if (!withheld.has(entry.name)) lines.push(entry.ok ? `${entry.name}: running at context ${entry.status?.xid}` : `${entry.name}: FAILED: ${entry.error}`);
  }
  if ((await listSchedules(context.paths)).some((schedule) => schedule.state === 'active')) {
    const pid = await ensureReplicator(context);
    lines.push(`replicator running${pid ? ` (pid ${pid})` : ''}`);
  }
  return { lines, ok: result.results.every((entry) => entry.ok || withheld.has(entry.name)) };
}

/**
 * The name is taken here: only a copy fenced by a promotion elsewhere (stopped, stale) gives way to
 * the new replica of that guest, with its old schedule and key; anything else refuses.
 */
async function removeFencedCopy(context: AgentContext, name: string): Promise<void> {
  const { paths } = context;
  const configDir = guestConfigDir(paths.configBase, name);
  const marker = await readReplicaMarker(paths.configBase, name);
  if (marker?.role !== 'fenced') throw guestError(ERROR_CODES.conflict, name, `a guest of that name is already here (${configDir}); a replica needs the name free`);
  const config = await context.readConfig(name);
  if ((await context.runStateOf(config)).state === 'running') throw guestError(ERROR_CODES.running, name, 'the fenced copy here runs (started by force); stop it first');
  await context.driver.cleanup(config).catch((error: unknown) => { throw asAgentError(error, name); });
  if (isInside(paths.guestBase, config.rootDir)) await fs.rm(config.rootDir, { recursive: true, force: true });
  await fs.rm(configDir, { recursive: true, force: true });
  await fs.rm(sourceFiles(paths, marker.replication).dir, { recursive: true, force: true });
}

export function replicationHandlers(context: AgentContext): Handlers {
  const { paths } = context;
  return {
    replicationKey: async ({ replication, name }) => {
      await context.readConfig(name);
      return { publicKey: await makeKeyPair(sourceFiles(paths, replication).key, `${KEY_COMMENT_PREFIX}${replication}`) };
    },

    replicationPrepare: async ({ replication, name, source, from, publicKey, xid, ips }) => {
      const rrsync = findExecutable('rrsync');
      if (!rrsync) throw hostError(ERROR_CODES.unsupported, 'rrsync is not installed (it ships with Debian\'s rsync package)');
      const record = await readReplicaRecord(paths, replication);
      if (!record) {
        const configDir = guestConfigDir(paths.configBase, name);
        if (await exists(configDir)) await context.withGuestLock(name, `replication ${replication} replacing a fenced copy`, () => removeFencedCopy(context, name));
        const configs = await context.readEveryConfig(`checking whether guest '${name}' can have a replica here`);
        const owner = configs.find((config) => config.xid === xid);
        if (owner) throw guestError(ERROR_CODES.conflict, name, `context ${xid} is used by guest ${owner.name} here; a replica keeps its source's context id`);
        const holder = configs.find((config) => config.interfaces.some((entry) => ips.includes(entry.ip)));
        if (holder) throw guestError(ERROR_CODES.conflict, name, `guest ${holder.name} here has one of its addresses`);
      }
      const agent = await refreshStableAgent(paths);
      await fs.mkdir(replicaDir(paths, replication), { recursive: true, mode: 0o700 });
      await hostStep(context, AUTHORIZED_KEYS_LOCK, `replication ${replication}`, async () => {
        const file = await rootAuthorizedKeysFile(from);
        await writeReplicaRecord(paths, { replication, name, source, from, xid, authorizedFile: file });
        await authorizeKey(file, replication, gateKeyLine(replication, name, from, publicKey, agent));
      });
      return { directory: replicaDir(paths, replication) };
    },

    replicationSchedule: async ({ replication, name, to, address, port, hostKey, intervalMs, freeze }) => {
      const files = sourceFiles(paths, replication);
      if (!(await exists(files.key))) throw hostError(ERROR_CODES.notFound, `replication ${replication} has no key here; make it first (replicationKey)`);
      await fs.writeFile(files.knownHosts, `${knownHostsName({ address, port, hostKey })} ${hostKey}\n`, { mode: 0o600 });
      const current = await readSchedule(paths, replication);
      await writeSchedule(paths, {
        replication, name, to, address, port, intervalMs, freeze, generation: current?.generation ?? 1, state: 'active', createdAt: current?.createdAt ?? Date.now(),
        ...(current?.lastSync ? { lastSync: current.lastSync } : {}),
      });
      const outcome = await syncReplication(context, replication, stopper(context));
      await ensureReplicator(context);
      return outcome;
    },

    replicationSync: async ({ replication }) => syncReplication(context, replication, stopper(context)),

    replicationList: async () => {
      const replicas: AgentResult<'replicationList'>['replicas'] = [];
      const { configs } = await context.scanConfigs();
      for (const config of configs) {
        const marker = await readReplicaMarker(paths.configBase, config.name).catch(() => undefined);
        if (marker) replicas.push({ name: config.name, marker, running: (await context.runStateOf(config)).state === 'running' });
      }
      const pid = await replicatorPid(context);
      return { schedules: await listSchedules(paths), replicas, ...(pid ? { replicator: pid } : {}) };
    },

    replicationPromote: async ({ replication, name, generation, source }) => {
      let dataAgeMs: number | undefined;
      const promoted = await context.withGuestLock(name, `promotion of replication ${replication}`, async () => {
        const marker = await readReplicaMarker(paths.configBase, name);
        if (!marker || marker.replication !== replication) throw guestError(ERROR_CODES.notFound, name, `is not a replica of replication ${replication} here`);
        if (marker.role === 'promoted') {
          throw guestError(ERROR_CODES.conflict, name, `already promoted: replication ${replication} made this copy generation ${marker.generation} at ${new Date(marker.since).toISOString()}`, { generation: marker.generation });
        }
        if (marker.role !== 'replica') throw guestError(ERROR_CODES.conflict, name, `is ${marker.role}, not a replica`);
        if (marker.generation !== generation) {
          throw guestError(ERROR_CODES.conflict, name, `its generation is ${marker.generation}, not ${generation}: another promotion or sync came first`, { generation: marker.generation });
        }
        const configDir = guestConfigDir(paths.configBase, name);
        const next = marker.generation + 1;
        dataAgeMs = marker.lastSync ? Math.max(0, Date.now() - marker.lastSync.time) : undefined;
        // The new generation is written before anything starts: from here on the source's copy is stale.
        await writeReplicaMarker(configDir, { ...marker, role: 'promoted', peer: source, generation: next, since: Date.now() });
        const config = await context.readConfig(name);
        const rootDir = join(paths.guestBase, name);
        if (!(await exists(rootDir))) await fs.rename(config.rootDir, rootDir);
        await symlinkAtomic(rootDir, join(configDir, 'vdir'));
        await fs.rm(replicaDir(paths, replication), { recursive: true, force: true });
        const status = await startUnlocked(context, name, { replication });
        return { generation: next, status };
      });
      const config = await context.readConfig(name);
      const announced = await hostStep(context, ANNOUNCE_LOCK, `announcing guest '${name}'`, () => announceAddresses(config))
        .catch((error: unknown) => { throw asAgentError(error, name); });
      return { ...promoted, announced, ...(dataAgeMs !== undefined ? { dataAgeMs } : {}) };
    },

    // Under the replication's own step, which a sync holds (and fences from): the two never fence at once.
    replicationFence: async ({ replication, name, generation, peer }) => hostStep(context, `.replication-${replication}`, `fencing of replication ${replication}`, async () => {
      const schedule = await readSchedule(paths, replication);
      if (!schedule || schedule.name !== name) throw guestError(ERROR_CODES.notFound, name, `this host is not the source of replication ${replication}`);
      if (generation <= schedule.generation) throw guestError(ERROR_CODES.conflict, name, `generation ${generation} is not newer than this copy's (${schedule.generation}); nothing to fence`);
      const marker = await readReplicaMarker(paths.configBase, name);
      if (schedule.state === 'fenced' && marker?.role === 'fenced') {
        // Fenced already (by its own replicator or boot): a copy started by force since is stopped again.
        const config = await context.readConfig(name);
        const running = (await context.statusOf(config)).state === 'running';
        if (running) await stopGuest(context, name);
        return { stopped: running, fenced: false };
      }
      const { stopped } = await fenceCopy(context, schedule, generation, peer, stopper(context));
      return { stopped, fenced: true };
    }),

    replicationRemove: async ({ replication, name }) => {
      const removed: string[] = [];
      const files = sourceFiles(paths, replication);
      if (await exists(files.schedule)) {
        await fs.rm(files.dir, { recursive: true, force: true });
        removed.push(`schedule and key of ${replication}`);
        await retireReplicator(context);
      }
      const record = await readReplicaRecord(paths, replication);
      if (record) {
        await hostStep(context, AUTHORIZED_KEYS_LOCK, `replication ${replication}`, async () => {
          if (await revokeKey(record.authorizedFile, replication)) removed.push(`authorised key in ${record.authorizedFile}`);
        });
        await context.withGuestLock(name, `removal of replication ${replication}`, async () => {
          const marker = await readReplicaMarker(paths.configBase, name).catch(() => undefined);
          if (marker?.replication === replication && marker.role === 'replica') {
            const config = await context.readConfig(name);
            if ((await context.runStateOf(config)).state === 'running') throw guestError(ERROR_CODES.running, name, 'the replica runs; stop it first');
            await fs.rm(guestConfigDir(paths.configBase, name), { recursive: true, force: true });
            removed.push(`replica of ${name}`);
          }
          await fs.rm(replicaDir(paths, replication), { recursive: true, force: true });
          await fs.rmdir(join(paths.guestBase, '.vfleet-replica')).catch(() => undefined);
        });
        await fs.rm(replicaRecordFile(paths, replication), { force: true });
      }
      return { removed };
    },
  };
}
