// The replica host's gate: the forced command of the source's key (command="node <agent>
// replica-gate ID NAME", with from= and restrict). It reads what the source asked for
// (SSH_ORIGINAL_COMMAND, kept before the agent seals its environment) and does only this:
//   rsync --server ...         rrsync -wo -no-lock into this replica's directory, while the copy is a replica
//   vfleet-replica state       the copy's role and generation (the fencing question), as JSON
//   vfleet-replica begin       a fresh snapshot directory next to the current one (leftovers removed)
//   vfleet-replica commit N    snapshot N becomes the replica: device nodes made, configuration
//                              updated, vdir swapped in one rename, older snapshots removed
// Anything else is refused. A promoted or fenced copy takes no more data.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { gateCommitSchema, type GateState, type ReplicaMarker } from '../../../shared/protocol/replicationSchemas';
import { symlinkAtomic } from '../config/atomicFile';
import { writeScalar } from '../config/configValueFiles';
import { guestConfigDir } from '../config/guestConfigStore';
import { findExecutable, runTool } from '../process/runTool';
import { CONFIG_EXCLUDES } from '../migration/rsyncTransfer';
import { makeSpecialFiles } from '../migration/specialFiles';
import type { AgentContext } from '../operations/agentContext';
import { readReplicaMarker, writeReplicaMarker } from './replicaMarker';
import { readReplicaRecord, replicaDir, snapshotDir } from './replicationState';
import { spawn } from '../../../shared/node/lazyBuiltins';

/** SSH_ORIGINAL_COMMAND as sshd set it, read when this module loads (before the agent seals its environment). */
export const SSH_ORIGINAL_COMMAND = process.env.SSH_ORIGINAL_COMMAND;

export class GateRefusal extends Error {}

async function snapshotsOf(context: AgentContext, replication: string): Promise<number[]> {
  const names = await fs.readdir(replicaDir(context.paths, replication)).catch(() => [] as string[]);
  return names.map((name) => /^snap-(\d{1,9})$/.exec(name)?.[1]).filter((n): n is string => n !== undefined).map(Number);
}

export async function gateState(context: AgentContext, replication: string, name: string): Promise<GateState & { marker?: ReplicaMarker }> {
  const marker = await readReplicaMarker(context.paths.configBase, name);
  if (marker && marker.replication !== replication) throw new GateRefusal(`guest '${name}' here belongs to replication ${marker.replication}`);
  return { replication, ...(marker ? { role: marker.role, generation: marker.generation, snapshot: marker.snapshot, marker } : {}) };
}

async function begin(context: AgentContext, replication: string, name: string): Promise<GateState> {
  const { marker, ...state } = await gateState(context, replication, name);
  if (marker && marker.role !== 'replica') throw new GateRefusal(`the copy here is ${marker.role} (generation ${marker.generation}); it takes no more data`);
  const current = marker?.snapshot;
  for (const snapshot of await snapshotsOf(context, replication)) {
    if (snapshot !== current) await fs.rm(snapshotDir(context.paths, replication, snapshot), { recursive: true, force: true });
  }
  const next = (current ?? 0) + 1;
  for (const tree of ['root', 'config']) await fs.mkdir(join(snapshotDir(context.paths, replication, next), tree), { recursive: true, mode: 0o700 });
  return { ...state, next };
}

/** The replica's own parts of its configuration, kept over a committed snapshot's (markers, vdir, console log). */
const LOCAL_PARTS = CONFIG_EXCLUDES;
/**
 * How a committed snapshot's configuration (the source host's files) becomes the replica's: symlinks that
 * lead out of it are dropped (--safe-links), so what the agent writes below it (marker, context) stays in it.
 */
const CONFIG_COPY = ['-aHAXS', '--numeric-ids', '--safe-links', ...LOCAL_PARTS.map((part) => `--exclude=${part}`)];

async function commit(context: AgentContext, replication: string, name: string, snapshot: number, input: string): Promise<GateState> {
  const parsed = gateCommitSchema.safeParse(JSON.parse(input));
  if (!parsed.success) throw new GateRefusal('the commit\'s description is invalid');
  const { specials, record, intervalMs } = parsed.data;
  const { paths } = context;
  return context.locks.with(name, `replica sync of replication ${replication}`, async () => {
    const { marker } = await gateState(context, replication, name);
    if (marker && marker.role !== 'replica') throw new GateRefusal(`the copy here is ${marker.role} (generation ${marker.generation}); it takes no more data`);
    const info = await readReplicaRecord(paths, replication);
    if (!info || info.name !== name) throw new GateRefusal(`replication ${replication} is not prepared here`);
    const snap = snapshotDir(paths, replication, snapshot);
    const root = join(snap, 'root');
    if (!(await fs.stat(join(snap, 'config')).then((stat) => stat.isDirectory(), () => false))) throw new GateRefusal(`snapshot ${snapshot} is not here`);
    await makeSpecialFiles(root, specials);
    const configDir = guestConfigDir(paths.configBase, name);
    const next: ReplicaMarker = {
      replication, role: 'replica', peer: info.source, generation: marker?.generation ?? 1, snapshot, intervalMs, lastSync: record,
      since: marker?.since ?? Date.now(),
    };
    if (!marker) {
      // The first copy's configuration appears in one rename, already marked as a replica.
      if (await fs.lstat(configDir).then(() => true, () => false)) throw new GateRefusal(`a guest named ${name} is already here`);
      const staged = join(paths.configBase, `.${name}.replica-${replication}`);
      await fs.rm(staged, { recursive: true, force: true });
      await runTool('rsync', [...CONFIG_COPY, '--', `${join(snap, 'config')}/`, `${staged}/`]);
      await writeScalar(staged, 'context', info.xid);
      await symlinkAtomic(root, join(staged, 'vdir'));
      await writeReplicaMarker(staged, next);
      await fs.rename(staged, configDir);
    } else {
      await runTool('rsync', [...CONFIG_COPY, '--delete', '--', `${join(snap, 'config')}/`, `${configDir}/`]);
      await writeScalar(configDir, 'context', info.xid);
      // The swap: vdir names the new snapshot in one rename; the previous one stays whole until then.
      await symlinkAtomic(root, join(configDir, 'vdir'));
      await writeReplicaMarker(configDir, next);
    }
    for (const old of await snapshotsOf(context, replication)) {
      if (old !== snapshot) await fs.rm(snapshotDir(paths, replication, old), { recursive: true, force: true });
    }
    return { replication, role: 'replica', generation: next.generation, snapshot };
  });
}

function execRrsync(context: AgentContext, replication: string, command: string): Promise<number> {
  const rrsync = findExecutable('rrsync');
  if (!rrsync) throw new GateRefusal('rrsync is not installed here');
  return new Promise((resolve) => {
    const child = spawn(rrsync, ['-wo', '-no-lock', replicaDir(context.paths, replication)], {
      stdio: 'inherit', env: { ...process.env, SSH_ORIGINAL_COMMAND: command },
    });
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (chunks.reduce((sum, piece) => sum + piece.length, 0) > 4 * 1024 * 1024) throw new GateRefusal('the commit\'s description is too large');
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs what the source asked for; returns the exit code. */
export async function runGate(context: AgentContext, replication: string, name: string, command: string | undefined): Promise<number> {
  const words = (command ?? '').trim();
  try {
    if (/^rsync --server /.test(words)) {
      const { marker } = await gateState(context, replication, name);
      if (marker && marker.role !== 'replica') throw new GateRefusal(`the copy here is ${marker.role} (generation ${marker.generation}); it takes no more data`);
      return await execRrsync(context, replication, words);
    }
    let answer: GateState;
    const commitMatch = /^vfleet-replica commit (\d{1,9})$/.exec(words);
    if (words === 'vfleet-replica state') {
      const { marker: _marker, ...state } = await gateState(context, replication, name);
      answer = state;
    } else if (words === 'vfleet-replica begin') {
      answer = await begin(context, replication, name);
    } else if (commitMatch) {
      answer = await commit(context, replication, name, Number(commitMatch[1]), await readStdin());
    } else {
      throw new GateRefusal(`this key may only sync replication ${replication}; '${words.slice(0, 80)}' is refused`);
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`vfleet-replica: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof GateRefusal ? 3 : 1;
  }
}
