// Replicas and failover in the core (docs/architecture.md, "Replicas and failover"): making a
// replication (the source's key, the replica host's gate, the schedule and its first sync),
// listing replicas from both hosts, the failover (the replica's promotion, a compare-and-set of its
// generation on the replica host) and the fencing of a stale source copy when its host reconnects.
// The core keeps each replication's last known generation in <dataDir>/replications.json.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { FleetDelta } from '../../../shared/api/fleetState';
import type { GuestRef } from '../../../shared/api/guestActions';
import {
  STALE_INTERVALS, type FailoverRequest, type FailoverResult, type ParsedReplicateRequest, type ReplicaView,
} from '../../../shared/api/replication';
import { writeFileAtomic } from '../../../shared/node/atomicWrite';
import type { AgentParams, AgentResult } from '../../../shared/protocol/methods';
import type { AuditLog } from '../audit/auditLog';
import type { HostRegistry } from '../hosts/hostRegistry';
import type { FleetState } from '../inventory/fleetState';
import type { HostAgent } from '../sessions/sessionPool';
import { HostError } from '../ssh/sshErrors';

const CALL = { timeoutMs: 600_000 };
const QUICK = { timeoutMs: 15_000 };
const FENCE_ATTEMPTS = 10;
/** How often the core lists the replications for the replica alerts. */
const REPLICA_POLL_MS = 5_000;
const FENCE_RETRY_MS = 3_000;

const recordSchema = z.object({
  replication: z.string(), host: z.string(), guest: z.string(), to: z.string(), generation: z.number().int().positive(), intervalMs: z.number(),
  /** The stale copy on `host` was found fenced (and audited) after the promotion. */
  fenced: z.boolean().optional(),
});
type ReplicationRecord = z.infer<typeof recordSchema>;

export interface ReplicationManagerOptions {
  dataDir: string;
  registry: HostRegistry;
  state: FleetState;
  audit: AuditLog;
  agent(host: string): HostAgent;
  lockGuest(guest: GuestRef, operation: string): () => void;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Listing = AgentResult<'replicationList'>;

export class ReplicationManager {
  private readonly file: string;
  private readonly connected = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ReplicationManagerOptions) {
    this.file = path.join(options.dataDir, 'replications.json');
  }

  /**
   * Watches hosts connecting: each reconnect checks its source copies against the generations known
   * (fencing). Lists the replications every REPLICA_POLL_MS for the replica alerts (failed sync, stale).
   */
  start(): void {
    this.pollTimer = setInterval(() => { void this.poll(); }, REPLICA_POLL_MS);
    this.pollTimer.unref();
    this.unsubscribe = this.options.state.subscribe((delta: FleetDelta) => {
      if (delta.type !== 'host') return;
      const { name, connection, syncedAt } = delta.host;
      if (connection === 'connected' && syncedAt !== undefined) {
        if (this.connected.has(name)) return;
        this.connected.add(name);
        void this.fenceStaleCopies(name).catch(() => undefined);
      } else if (connection !== 'connected') {
        this.connected.delete(name);
      }
    });
  }

  /** Only a core that knows of replications (its record) asks the hosts: other cores cost the agents nothing. */
  private async poll(): Promise<void> {
    try {
      if ((await this.records()).length === 0) return;
      this.options.state.replicasSeen(await this.list());
    } catch {
      // The next poll tries again.
    }
  }

  close(): void {
    this.unsubscribe?.();
    if (this.pollTimer) clearInterval(this.pollTimer);
  }

  private async records(): Promise<ReplicationRecord[]> {
    const text = await fs.readFile(this.file, 'utf8').catch(() => '[]');
    const parsed = z.array(recordSchema).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  }

  private async saveRecord(record: ReplicationRecord | { remove: string }): Promise<void> {
    const kept = (await this.records()).filter((entry) => entry.replication !== ('remove' in record ? record.remove : record.replication));
    await fs.mkdir(this.options.dataDir, { recursive: true });
    await writeFileAtomic(this.file, `${JSON.stringify('remove' in record ? kept : [...kept, record], null, 2)}\n`, 0o600);
  }

  private isConnected(host: string): boolean {
    return this.options.state.host(host)?.connection === 'connected';
  }

  async replicate(request: ParsedReplicateRequest): Promise<{ replica: ReplicaView }> {
    const { host, guest, to, intervalMs, freeze } = request;
    const sourceHost = this.options.registry.require(host);
    const targetHost = this.options.registry.require(to);
    const hostKey = targetHost.trust.accepted;
    if (!hostKey) throw new HostError(to, 'no accepted host key to give the source');
    if (sourceHost.jump !== undefined || targetHost.jump !== undefined) throw new HostError(host, 'a host behind a jump host cannot be reached directly by the other', 'permanent', guest);
    if (targetHost.user !== 'root') throw new HostError(to, `the replica's transfer logs in as root, but ${to} is reached as ${targetHost.user}`);
    const source = this.options.agent(host);
    const target = this.options.agent(to);
    for (const [name, agent] of [[host, source], [to, target]] as const) {
      const hello = await agent.call('hello', {}, QUICK);
      if (!hello.features.includes('replication')) throw new HostError(name, 'its agent does not offer replication (rsync and rrsync installed, and this vfleet\'s agent)');
    }
    const existing = (await source.call('replicationList', {}, QUICK)).schedules.find((schedule) => schedule.name === guest && schedule.state === 'active');
    if (existing) throw new HostError(host, `already replicated to ${existing.to} (replication ${existing.replication}); stop that one first`, 'permanent', guest);
    const inspect = await source.call('migrationInspect', { name: guest }, { ...CALL, guest });
    const replication = `r-${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    const release = this.options.lockGuest({ host: to, guest }, `replication ${replication} of ${host}/${guest}`);
    const ids = { replication, name: guest };
    try {
      const { publicKey } = await source.call('replicationKey', ids, { ...CALL, guest });
      try {
        await target.call('replicationPrepare', {
          ...ids, source: host, from: sourceHost.address, publicKey, xid: inspect.config.xid, ips: inspect.config.interfaces.map((entry) => entry.ip),
        }, { ...CALL, guest });
        const first = await source.call('replicationSchedule', {
          ...ids, to, address: targetHost.address, port: targetHost.port, hostKey: `${hostKey.type} ${hostKey.keyBase64}`, intervalMs, freeze,
        }, { ...CALL, guest });
        if (first.record.result !== 'ok') throw new HostError(host, `the first sync to ${to} failed: ${first.record.error ?? 'unknown'}`, 'permanent', guest);
      } catch (error) {
        // Nothing half-made stays: the schedule and key on the source, the gate and any copy on the replica host.
        await target.call('replicationRemove', ids, { ...CALL, guest }).catch(() => undefined);
        await source.call('replicationRemove', ids, { ...CALL, guest }).catch(() => undefined);
        throw error;
      }
      await this.saveRecord({ replication, host, guest, to, generation: 1, intervalMs });
    } finally {
      release();
    }
    const replica = (await this.list()).find((view) => view.replication === replication);
    if (!replica) throw new HostError(host, `replication ${replication} is not listed after its first sync`, 'permanent', guest);
    return { replica };
  }

  async stop(ref: GuestRef): Promise<{ removed: string[] }> {
    const record = (await this.records()).find((entry) => entry.host === ref.host && entry.guest === ref.guest);
    const listing = this.isConnected(ref.host) ? await this.options.agent(ref.host).call('replicationList', {}, QUICK) : undefined;
    const schedule = listing?.schedules.find((entry) => entry.name === ref.guest);
    const replication = schedule?.replication ?? record?.replication;
    const to = schedule?.to ?? record?.to;
    if (!replication || !to) throw new HostError(ref.host, 'is not replicated', 'permanent', ref.guest);
    const ids = { replication, name: ref.guest };
    const removed: string[] = [];
    for (const host of [ref.host, to]) {
      const outcome = await this.options.agent(host).call('replicationRemove', ids, { ...CALL, guest: ref.guest });
      removed.push(...outcome.removed.map((entry) => `${host}: ${entry}`));
    }
    await this.saveRecord({ remove: replication });
    return { removed };
  }

  /** Every replication the connected hosts know, joined by id: the source's schedule with the replica's marker. */
  async list(): Promise<ReplicaView[]> {
    const listings = new Map<string, Listing>();
    const failures = new Map<string, string>();
    await Promise.all(this.options.registry.list().map(async (host) => {
      if (!this.isConnected(host.name)) return;
      try {
        listings.set(host.name, await this.options.agent(host.name).call('replicationList', {}, QUICK));
      } catch (error) {
        failures.set(host.name, describe(error));
      }
    }));
    const views = new Map<string, ReplicaView>();
    const now = Date.now();
    const viewOf = (replication: string, seed: Pick<ReplicaView, 'host' | 'guest' | 'to' | 'intervalMs'>): ReplicaView => {
      let view = views.get(replication);
      if (!view) {
        view = { replication, ...seed, stale: false, notes: [] };
        views.set(replication, view);
      }
      return view;
    };
    for (const [host, listing] of listings) {
      for (const schedule of listing.schedules) {
        const view = viewOf(schedule.replication, { host, guest: schedule.name, to: schedule.to, intervalMs: schedule.intervalMs });
        Object.assign(view, { state: schedule.state, freeze: schedule.freeze, ...(schedule.lastSync ? { lastAttempt: schedule.lastSync } : {}) });
        view.generation = Math.max(view.generation ?? 0, schedule.generation);
      }
      for (const replica of listing.replicas) {
        if (replica.marker.role === 'fenced') continue;
        const view = viewOf(replica.marker.replication, { host: replica.marker.peer, guest: replica.name, to: host, intervalMs: replica.marker.intervalMs });
        view.to = host;
        view.role = replica.marker.role;
        view.generation = Math.max(view.generation ?? 0, replica.marker.generation);
        if (replica.marker.lastSync) view.lastSync = replica.marker.lastSync;
      }
    }
    for (const record of await this.records()) {
      const view = viewOf(record.replication, record);
      view.generation = Math.max(view.generation ?? 0, record.generation);
    }
    for (const view of views.values()) {
      if (!listings.has(view.host)) view.notes.push(`${view.host} did not answer${failures.has(view.host) ? `: ${failures.get(view.host)}` : ' (not connected)'}`);
      if (!listings.has(view.to)) view.notes.push(`${view.to} did not answer${failures.has(view.to) ? `: ${failures.get(view.to)}` : ' (not connected)'}`);
      const last = view.lastSync ?? (view.lastAttempt?.result === 'ok' ? view.lastAttempt : undefined);
      if (last) {
        view.ageMs = Math.max(0, now - last.time);
        if (last.sizeBytes !== undefined) view.sizeBytes = last.sizeBytes;
      }
      view.stale = view.role !== 'promoted' && (view.ageMs === undefined || view.ageMs > STALE_INTERVALS * view.intervalMs);
    }
    return [...views.values()];
  }

  /** The replica of an unreachable host's guest becomes the guest on its replica host. */
  async failover(request: FailoverRequest): Promise<FailoverResult> {
    const started = Date.now();
    const { host, guest } = request;
    if (this.isConnected(host)) {
      throw new HostError(host, `is reachable; a failover is for a host that is not (migrate the guest instead: vfleet migrate ${host}/${guest} --to HOST)`, 'permanent', guest);
    }
    const unreachable = this.options.state.snapshot().alerts.find((alert) => alert.id === `hostUnreachable:${host}`);
    if (!unreachable) throw new HostError(host, 'has not been unreachable long enough to fail over (no hostUnreachable alert yet); wait, or check the host', 'permanent', guest);
    const record = (await this.records()).find((entry) => entry.host === host && entry.guest === guest && (!request.to || entry.to === request.to));
    const candidates = request.to ? [request.to] : record ? [record.to] : this.options.registry.list().map((entry) => entry.name).filter((name) => name !== host);
    let found: { to: string; replica: Listing['replicas'][number] } | undefined;
    for (const to of candidates) {
      const listing = await this.options.agent(to).call('replicationList', {}, QUICK).catch(() => undefined);
      const replica = listing?.replicas.find((entry) => entry.name === guest && entry.marker.peer === host && entry.marker.role !== 'fenced');
      if (replica) {
        found = { to, replica };
        break;
      }
    }
    if (!found) throw new HostError(host, `has no replica on ${candidates.join(', ') || 'any host'} that answers; it cannot be restarted elsewhere`, 'permanent', guest);
    const { to, replica } = found;
    const release = this.options.lockGuest({ host: to, guest }, `failover of ${host}/${guest} to ${to}`);
    try {
      const promoted = await this.options.agent(to).call('replicationPromote', {
        replication: replica.marker.replication, name: guest, generation: replica.marker.generation, source: host,
      }, { ...CALL, guest });
      await this.saveRecord({
        replication: replica.marker.replication, host, guest, to, generation: promoted.generation, intervalMs: replica.marker.intervalMs,
      });
      return {
        replication: replica.marker.replication, host, guest, to, generation: promoted.generation,
        ...(promoted.dataAgeMs !== undefined ? { dataAgeMs: promoted.dataAgeMs } : {}),
        durationMs: Date.now() - started, announced: promoted.announced,
      };
    } finally {
      release();
    }
  }

  /** A sync of the replication may hold its step for a while (a transfer timing out after a cut): busy is retried. */
  private async fenceWithRetries(host: string, params: AgentParams<'replicationFence'>): Promise<AgentResult<'replicationFence'>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.options.agent(host).call('replicationFence', params, { ...CALL, guest: params.name });
      } catch (error) {
        if (attempt >= FENCE_ATTEMPTS || !/busy/.test(describe(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, FENCE_RETRY_MS));
      }
    }
  }

  /**
   * A host back: each copy it is the source of whose generation is below the one known (the core's
   * record, or the replica host's marker) is stale: stopped and fenced there, audited as guest.fence.
   */
  async fenceStaleCopies(host: string): Promise<void> {
    const listing = await this.options.agent(host).call('replicationList', {}, QUICK);
    const records = await this.records();
    for (const schedule of listing.schedules) {
      const record = records.find((entry) => entry.replication === schedule.replication);
      if (schedule.state === 'fenced' && record?.fenced) continue;
      let known = record?.generation ?? 0;
      if (this.isConnected(schedule.to)) {
        const there = await this.options.agent(schedule.to).call('replicationList', {}, QUICK).catch(() => undefined);
        const marker = there?.replicas.find((entry) => entry.marker.replication === schedule.replication)?.marker;
        if (marker) known = Math.max(known, marker.generation);
      }
      if (known <= schedule.generation) continue;
      await this.options.audit.record({
        action: 'guest.fence', host, guest: schedule.name,
        params: { replication: schedule.replication, generation: known, runsOn: schedule.to, offer: `vfleet replicate ${schedule.to}/${schedule.name} --to ${host}` },
      }, () => this.fenceWithRetries(host, { replication: schedule.replication, name: schedule.name, generation: known, peer: schedule.to }),
      undefined, (result) => ({ ...result }));
      if (record) await this.saveRecord({ ...record, generation: known, fenced: true });
    }
  }
}
