// Where a guest could go: every other registry host ranked by headroom (free memory against the
// guest's memory limit, free disk against its size plus the pre-flight margin, CPU load per core),
// each unsuitable one with its reasons. Only cheap reads (hello, info, list), once per host; the
// full pre-flight runs when a target is picked. An evacuation rates each guest against what the
// guests placed before it already take of each host (`reserved`).
import type { MigrationTarget } from '../../../shared/api/migration';
import type { GuestConfig } from '../../../shared/domain/guest';
import { formatBytes } from '../../../shared/format/byteSize';
import type { AgentResult } from '../../../shared/protocol/methods';
import type { HostRegistry } from '../hosts/hostRegistry';
import type { HostAgent } from '../sessions/sessionPool';
import { diskNeeded } from './migrationPreflight';

export interface TargetsInput {
  host: string;
  guest: string;
  registry: HostRegistry;
  agent(host: string): HostAgent;
}

/** What a candidate host has room for, read once; `problem` when it could not be read. */
export interface HostRoom {
  host: string;
  hello?: AgentResult<'hello'>;
  info?: AgentResult<'info'>;
  guests?: GuestConfig[];
  problem?: string;
}

/** Disk and memory that guests already placed on a host will take. */
export interface Reserved {
  disk: number;
  memory: number;
}

/** What a guest needs of a target. */
export interface GuestNeeds {
  name: string;
  xid: number;
  sizeBytes: number;
  memoryHard: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function readHostRoom(host: string, agent: HostAgent): Promise<HostRoom> {
  try {
    const [hello, info, list] = await Promise.all([
      agent.call('hello', {}, { timeoutMs: 10_000 }),
      agent.call('info', {}, { timeoutMs: 10_000 }),
      agent.call('list', {}, { timeoutMs: 10_000 }),
    ]);
    return { host, hello, info, guests: list.guests.map((entry) => entry.config) };
  } catch (error) {
    return { host, problem: `not reachable: ${describe(error)}` };
  }
}

export function needsOf(inspect: AgentResult<'migrationInspect'>): GuestNeeds {
  return { name: inspect.config.name, xid: inspect.config.xid, sizeBytes: inspect.sizeBytes, memoryHard: inspect.config.limits.memoryHard ?? 0 };
}

export function rateTarget(room: HostRoom, guest: GuestNeeds, reserved: Reserved = { disk: 0, memory: 0 }): MigrationTarget {
  const { hello, info, guests } = room;
  if (!hello || !info || !guests) return { host: room.host, suitable: false, score: -1, reasons: [room.problem ?? 'not reachable'] };
  const sizeNeeded = diskNeeded(guest.sizeBytes);
  const diskFree = info.diskFree - reserved.disk;
  const memoryAvailable = info.memoryAvailable - reserved.memory;
  const reasons: string[] = [];
  if (!hello.features.includes('migration')) reasons.push('its agent does not support migration');
  if (guests.some((config) => config.name === guest.name)) reasons.push(`it already has a guest named ${guest.name}`);
  if (diskFree < sizeNeeded) reasons.push(`${formatBytes(Math.max(0, diskFree), 'iec')} free disk, the guest needs ${formatBytes(sizeNeeded, 'iec')}`);
  if (guest.memoryHard > 0 && memoryAvailable < guest.memoryHard) {
    reasons.push(`${formatBytes(Math.max(0, memoryAvailable), 'iec')} memory available, the guest may use ${formatBytes(guest.memoryHard, 'iec')}`);
  }
  const suitable = reasons.length === 0;
  if (guests.some((config) => config.xid === guest.xid && config.name !== guest.name)) {
    reasons.push(`context ${guest.xid} is taken there (another one is proposed at pre-flight)`);
  }
  const memoryRoom = info.memoryTotal > 0 ? (memoryAvailable - guest.memoryHard) / info.memoryTotal : 0;
  const diskRoom = info.diskTotal > 0 ? (diskFree - sizeNeeded) / info.diskTotal : 0;
  const cpuRoom = 1 - Math.min(1, (info.load[0] ?? 0) / info.cpus);
  return {
    host: room.host,
    suitable,
    score: Math.round(Math.min(memoryRoom, diskRoom, cpuRoom) * 1000) / 1000,
    memoryAvailable: Math.max(0, memoryAvailable),
    diskFree: Math.max(0, diskFree),
    reasons,
  };
}

/** Suitable first, roomiest first. */
export function rankTargets(targets: MigrationTarget[]): MigrationTarget[] {
  return [...targets].sort((left, right) => Number(right.suitable) - Number(left.suitable) || right.score - left.score || left.host.localeCompare(right.host));
}

export async function migrationTargets(input: TargetsInput): Promise<{ sizeBytes: number; memoryNeeded: number; targets: MigrationTarget[] }> {
  const inspect = await input.agent(input.host).call('migrationInspect', { name: input.guest }, { guest: input.guest, timeoutMs: 120_000 });
  const candidates = input.registry.list().map((host) => host.name).filter((name) => name !== input.host);
  const rooms = await Promise.all(candidates.map((candidate) => readHostRoom(candidate, input.agent(candidate))));
  const needs = needsOf(inspect);
  return { sizeBytes: needs.sizeBytes, memoryNeeded: needs.memoryHard, targets: rankTargets(rooms.map((room) => rateTarget(room, needs))) };
}
