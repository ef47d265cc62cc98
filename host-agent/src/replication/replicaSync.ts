// A sync of one replication, run on the source (by its replicator on schedule, or at the core's
// call): the gate's begin (a fresh snapshot directory), rsync -aHAXS --numeric-ids of the running
// guest's root and configuration into it with --link-dest to the current snapshot (unchanged files
// become hard links, so a sync costs its delta), an optional final pass with the guest frozen
// (bounded), then the gate's commit, which swaps the replica to the new snapshot in one rename.
// A sync cut half-way leaves the current snapshot as it was. Each attempt is recorded in the
// schedule (and each committed one in the replica's marker).
import { gateStateSchema, type GateState, type ReplicationSchedule, type SyncRecord } from '../../../shared/protocol/replicationSchemas';
import { writeScalar } from '../config/configValueFiles';
import { guestConfigDir } from '../config/guestConfigStore';
import { asAgentError } from '../errors/agentError';
import { CONFIG_EXCLUDES, MIGRATION_RSYNC, remoteTree, runRsync, sshArgs, type RsyncFigures } from '../migration/rsyncTransfer';
import { listSpecialFiles } from '../migration/specialFiles';
import type { AgentContext } from '../operations/agentContext';
import { readReplicaMarker, writeReplicaMarker } from './replicaMarker';
import { readSchedule, sourceFiles, writeSchedule } from './replicationState';
import { spawn } from '../../../shared/node/lazyBuiltins';

/** The longest a guest stays frozen for a sync's final pass; past it the pass is stopped, the guest thawed, the sync failed. */
export const FREEZE_LIMIT_MS = 5_000;
const GATE_TIMEOUT_MS = 120_000;

/** One call of the replica host's gate over the replication's key; its JSON answer. */
export function callGate(
  context: AgentContext, schedule: Pick<ReplicationSchedule, 'replication' | 'address' | 'port'>, words: string, input?: string, timeoutMs = GATE_TIMEOUT_MS,
): Promise<GateState> {
  const files = sourceFiles(context.paths, schedule.replication);
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [...sshArgs(files, schedule), '-o', `ConnectTimeout=${Math.max(1, Math.round(Math.min(timeoutMs, 10_000) / 1000))}`,
      schedule.address, `vfleet-replica ${words}`], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { if (stdout.length < 65_536) stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { if (stderr.length < 65_536) stderr += chunk.toString('utf8'); });
    child.on('error', (error) => reject(new Error(`ssh failed to start: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const why = stderr.trim().split('\n').filter(Boolean).slice(-2).join(' / ');
        reject(new Error(`the replica host ${schedule.address} ${signal ? 'did not answer in time' : `refused (${why || `ssh exited with code ${code}`})`}`));
        return;
      }
      const parsed = gateStateSchema.safeParse(JSON.parse(stdout.trim() || 'null'));
      if (!parsed.success) reject(new Error(`the replica host's gate answered something unreadable: ${stdout.slice(0, 200)}`));
      else resolve(parsed.data);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/**
 * Disables this host's copy of a replication promoted elsewhere: stopped when it runs, marked
 * fenced (its autostart mark moved into the marker), the schedule fenced so nothing more is synced.
 * The caller holds no lock of the guest; this takes it.
 */
export async function fenceCopy(context: AgentContext, schedule: ReplicationSchedule, generation: number, peer: string, stop: (name: string) => Promise<unknown>): Promise<{ stopped: boolean }> {
  const { name } = schedule;
  const config = await context.readConfig(name);
  let stopped = false;
  if ((await context.statusOf(config)).state === 'running') {
    await stop(name);
    stopped = true;
  }
  await context.locks.with(name, `fencing of replication ${schedule.replication}`, async () => {
    const configDir = guestConfigDir(context.paths.configBase, name);
    const current = await readReplicaMarker(context.paths.configBase, name);
    const mark = current?.mark ?? (config.mark === '' ? undefined : config.mark);
    await writeReplicaMarker(configDir, {
      replication: schedule.replication, role: 'fenced', peer, generation, snapshot: 0, intervalMs: schedule.intervalMs, since: Date.now(), ...(mark ? { mark } : {}),
    });
    await writeScalar(configDir, 'apps/init/mark', undefined);
    await writeSchedule(context.paths, { ...schedule, state: 'fenced' });
  });
  return { stopped };
}

function describe(error: unknown): string {
  return asAgentError(error).reason;
}

interface SyncOutcome {
  record: SyncRecord;
  snapshot?: number;
}

/**
 * One sync; `stop` stops the guest (the fencing's, when the gate says the replica was promoted).
 * Runs under the host-wide step `.replication-<id>`: a second sync of the same replication at once is refused busy.
 */
export async function syncReplication(context: AgentContext, replication: string, stop: (name: string) => Promise<unknown>): Promise<SyncOutcome> {
  return context.locks.with(`.replication-${replication}`, `sync of replication ${replication}`, async () => {
    const schedule = await readSchedule(context.paths, replication);
    if (!schedule) throw new Error(`replication ${replication} has no schedule on this host`);
    if (schedule.state !== 'active') throw new Error(`replication ${replication} is ${schedule.state} here: a promotion on ${schedule.to} made this copy stale`);
    const started = Date.now();
    let figures: RsyncFigures = { bytesSent: 0, literalBytes: 0, filesTransferred: 0, totalFileSize: 0 };
    let freezeMs: number | undefined;
    let outcome: SyncOutcome;
    try {
      const state = await callGate(context, schedule, 'begin');
      const next = state.next ?? 1;
      const config = await context.readConfig(schedule.name);
      const ssh = ['-e', ['ssh', ...sshArgs(sourceFiles(context.paths, replication), schedule)].join(' ')];
      const linkDest = (tree: string): string[] => (state.snapshot !== undefined ? [`--link-dest=/snap-${state.snapshot}/${tree}`] : []);
      const pass = async (signal?: AbortSignal): Promise<RsyncFigures> => {
        const [root, conf] = await Promise.all([
          runRsync([...MIGRATION_RSYNC, ...linkDest('root'), ...ssh, '--', `${config.rootDir}/`, remoteTree(schedule.address, `/snap-${next}/root`)], () => undefined, signal),
          runRsync([...MIGRATION_RSYNC, ...CONFIG_EXCLUDES.map((path) => `--exclude=${path}`), ...linkDest('config'), ...ssh, '--',
            `${guestConfigDir(context.paths.configBase, schedule.name)}/`, remoteTree(schedule.address, `/snap-${next}/config`)], () => undefined, signal),
        ]);
        return { bytesSent: root.bytesSent + conf.bytesSent, literalBytes: root.literalBytes + conf.literalBytes, filesTransferred: root.filesTransferred + conf.filesTransferred, totalFileSize: root.totalFileSize };
      };
      figures = await pass();
      if (schedule.freeze && (await context.statusOf(config)).state === 'running' && context.driver.freezes) {
        // The consistency point: a second pass with the guest's processes frozen, bounded.
        const frozenAt = Date.now();
        await context.locks.with(schedule.name, `freeze for a sync of replication ${replication}`, async () => {
          await context.driver.freeze(config);
          try {
            const final = await pass(AbortSignal.timeout(FREEZE_LIMIT_MS));
            figures = { ...final, bytesSent: figures.bytesSent + final.bytesSent };
          } catch (error) {
            throw new Error(`the frozen final pass did not finish within ${FREEZE_LIMIT_MS / 1000} s (${describe(error)}); the guest was thawed`);
          } finally {
            await context.driver.thaw(config);
            freezeMs = Date.now() - frozenAt;
          }
        });
      }
      const specials = await listSpecialFiles(config.rootDir);
      const record: SyncRecord = {
        time: started, result: 'ok', bytesSent: figures.bytesSent, sizeBytes: figures.totalFileSize, durationMs: Date.now() - started,
        ...(freezeMs !== undefined ? { freezeMs } : {}),
      };
      const committed = await callGate(context, schedule, `commit ${next}`, JSON.stringify({ specials, record, intervalMs: schedule.intervalMs }));
      outcome = { record, ...(committed.snapshot !== undefined ? { snapshot: committed.snapshot } : {}) };
    } catch (error) {
      outcome = {
        record: {
          time: started, result: 'failed', bytesSent: figures.bytesSent, durationMs: Date.now() - started, error: describe(error).slice(0, 2_000),
          ...(freezeMs !== undefined ? { freezeMs } : {}),
        },
      };
    }
    const latest = (await readSchedule(context.paths, replication)) ?? schedule;
    await writeSchedule(context.paths, { ...latest, lastSync: outcome.record });
    if (outcome.record.result === 'failed') {
      // The replica may have been promoted: the gate says so, and this copy is fenced at once.
      const state = await callGate(context, schedule, 'state', undefined, 15_000).catch(() => undefined);
      if (state?.role && state.role !== 'replica' && (state.generation ?? 0) > schedule.generation) {
        await fenceCopy(context, { ...latest, lastSync: outcome.record }, state.generation ?? 0, schedule.to, stop);
      }
    }
    return outcome;
  });
}

/** The replica host's answer to "was the replica promoted?": the generation there, or why it cannot tell. */
export async function replicaGeneration(context: AgentContext, schedule: ReplicationSchedule, timeoutMs: number): Promise<{ generation?: number; role?: string } | { error: string }> {
  try {
    const state = await callGate(context, schedule, 'state', undefined, timeoutMs);
    return { ...(state.generation !== undefined ? { generation: state.generation } : {}), ...(state.role ? { role: state.role } : {}) };
  } catch (error) {
    return { error: describe(error) };
  }
}
