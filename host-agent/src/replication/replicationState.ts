// Where a replication keeps its parts on each host (docs/architecture.md, "Replicas and failover").
// Source: <stateDir>/replication/<id>/ (root only): the key pair (the private half never leaves
// the host), known_hosts (the replica host's key as the workstation verified it) and schedule.json,
// which the replicator reads. Replica host: <guestBase>/.vfleet-replica/<id>/snap-N/{root,config}
// (the only tree the source's key may write, through rrsync), the copy's configuration in
// /etc/vservers/<name>/ with its replica marker and vdir naming the current snapshot's root, and
// <stateDir>/replication/<id>.replica.json (which authorized_keys file holds the key, and from whom).
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../shared/node/atomicWrite';
import { replicationScheduleSchema, type ReplicationSchedule } from '../../../shared/protocol/replicationSchemas';
import type { AgentPaths } from '../host/agentPaths';

export const KEY_COMMENT_PREFIX = 'vfleet-replication-';
const ID = /^r-[0-9a-z]{8,40}$/;

export function replicationDir(paths: Pick<AgentPaths, 'stateDir'>): string {
  return join(paths.stateDir, 'replication');
}

export function sourceFiles(paths: Pick<AgentPaths, 'stateDir'>, replication: string): { dir: string; key: string; knownHosts: string; schedule: string } {
  const dir = join(replicationDir(paths), replication);
  return { dir, key: join(dir, 'id_ed25519'), knownHosts: join(dir, 'known_hosts'), schedule: join(dir, 'schedule.json') };
}

/** The copy of this agent the replicator, the boot and the gate's forced command run: it outlives the pruning of installed versions. */
export function stableAgentFile(paths: Pick<AgentPaths, 'stateDir'>): string {
  return join(replicationDir(paths), 'vfleet-agent.js');
}

/** The replica's directory on the replica host: the tree the source's key is confined to. */
export function replicaDir(paths: Pick<AgentPaths, 'guestBase'>, replication: string): string {
  return join(paths.guestBase, '.vfleet-replica', replication);
}

export function snapshotDir(paths: Pick<AgentPaths, 'guestBase'>, replication: string, snapshot: number): string {
  return join(replicaDir(paths, replication), `snap-${snapshot}`);
}

export interface ReplicaRecord {
  replication: string;
  name: string;
  source: string;
  from: string;
  xid: number;
  /** The authorized_keys file the gate's line went into. */
  authorizedFile: string;
}

export function replicaRecordFile(paths: Pick<AgentPaths, 'stateDir'>, replication: string): string {
  return join(replicationDir(paths), `${replication}.replica.json`);
}

export async function readReplicaRecord(paths: Pick<AgentPaths, 'stateDir'>, replication: string): Promise<ReplicaRecord | undefined> {
  const text = await fs.readFile(replicaRecordFile(paths, replication), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : JSON.parse(text) as ReplicaRecord;
}

export async function writeReplicaRecord(paths: Pick<AgentPaths, 'stateDir'>, record: ReplicaRecord): Promise<void> {
  await fs.mkdir(replicationDir(paths), { recursive: true, mode: 0o700 });
  await writeFileAtomic(replicaRecordFile(paths, record.replication), `${JSON.stringify(record)}\n`, 0o600);
}

export async function listReplicaRecords(paths: Pick<AgentPaths, 'stateDir'>): Promise<ReplicaRecord[]> {
  const names = await fs.readdir(replicationDir(paths)).catch(() => [] as string[]);
  const records: ReplicaRecord[] = [];
  for (const name of names) {
    const id = name.replace(/\.replica\.json$/, '');
    if (id !== name && ID.test(id)) {
      const record = await readReplicaRecord(paths, id);
      if (record) records.push(record);
    }
  }
  return records;
}

export async function readSchedule(paths: Pick<AgentPaths, 'stateDir'>, replication: string): Promise<ReplicationSchedule | undefined> {
  const text = await fs.readFile(sourceFiles(paths, replication).schedule, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = replicationScheduleSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`the schedule of replication ${replication} is unreadable; remove the replication and make it again`);
  return parsed.data;
}

export async function writeSchedule(paths: Pick<AgentPaths, 'stateDir'>, schedule: ReplicationSchedule): Promise<void> {
  const { dir, schedule: file } = sourceFiles(paths, schedule.replication);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(schedule)}\n`, 0o600);
}

/** Every replication this host is the source of. */
export async function listSchedules(paths: Pick<AgentPaths, 'stateDir'>): Promise<ReplicationSchedule[]> {
  const names = await fs.readdir(replicationDir(paths)).catch(() => [] as string[]);
  const schedules: ReplicationSchedule[] = [];
  for (const name of names.filter((entry) => ID.test(entry))) {
    const schedule = await readSchedule(paths, name).catch(() => undefined);
    if (schedule) schedules.push(schedule);
  }
  return schedules;
}

/** Copies the running agent file to the stable place when it differs (a new version deployed). */
export async function refreshStableAgent(paths: Pick<AgentPaths, 'stateDir'>): Promise<string> {
  const target = stableAgentFile(paths);
  const running = process.argv[1];
  if (!running) throw new Error('cannot tell which file this agent runs from');
  const [mine, kept] = await Promise.all([fs.readFile(running), fs.readFile(target).catch(() => undefined)]);
  if (!kept || !kept.equals(mine)) {
    await fs.mkdir(replicationDir(paths), { recursive: true, mode: 0o700 });
    await writeFileAtomic(target, mine, 0o700);
  }
  return target;
}
