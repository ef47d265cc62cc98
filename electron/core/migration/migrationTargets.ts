// Where a guest could go: every other registry host ranked by headroom (free memory against the
// guest's memory limit, free disk against its size plus the pre-flight margin, CPU load per core),
// each unsuitable one with its reasons. Only cheap reads (hello, info, list); the full pre-flight
// runs when the admin picks a target.
import type { MigrationTarget } from '../../../shared/api/migration';
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function rate(candidate: string, input: TargetsInput, inspect: AgentResult<'migrationInspect'>): Promise<MigrationTarget> {
  const agent = input.agent(candidate);
  const memoryNeeded = inspect.config.limits.memoryHard ?? 0;
  const sizeNeeded = diskNeeded(inspect.sizeBytes);
  try {
    const [hello, info, list] = await Promise.all([
      agent.call('hello', {}, { timeoutMs: 10_000 }),
      agent.call('info', {}, { timeoutMs: 10_000 }),
      agent.call('list', {}, { timeoutMs: 10_000 }),
    ]);
    const reasons: string[] = [];
    if (!hello.features.includes('migration')) reasons.push('its agent does not support migration');
    if (list.guests.some((entry) => entry.config.name === input.guest)) reasons.push(`it already has a guest named ${input.guest}`);
    if (info.diskFree < sizeNeeded) reasons.push(`${formatBytes(info.diskFree)} free disk, the guest needs ${formatBytes(sizeNeeded)}`);
    if (memoryNeeded > 0 && info.memoryAvailable < memoryNeeded) reasons.push(`${formatBytes(info.memoryAvailable)} memory available, the guest may use ${formatBytes(memoryNeeded)}`);
    const memoryRoom = info.memoryTotal > 0 ? (info.memoryAvailable - memoryNeeded) / info.memoryTotal : 0;
    const diskRoom = info.diskTotal > 0 ? (info.diskFree - sizeNeeded) / info.diskTotal : 0;
    const cpuRoom = 1 - Math.min(1, (info.load[0] ?? 0) / info.cpus);
    if (list.guests.some((entry) => entry.config.xid === inspect.config.xid && entry.config.name !== input.guest)) {
      reasons.push(`context ${inspect.config.xid} is taken there (another one is proposed at pre-flight)`);
    }
    const suitable = reasons.every((reason) => reason.startsWith('context '));
    return {
      host: candidate,
      suitable,
      score: Math.round(Math.min(memoryRoom, diskRoom, cpuRoom) * 1000) / 1000,
      memoryAvailable: info.memoryAvailable,
      diskFree: info.diskFree,
      reasons,
    };
  } catch (error) {
    return { host: candidate, suitable: false, score: -1, reasons: [`not reachable: ${describe(error)}`] };
  }
}

export async function migrationTargets(input: TargetsInput): Promise<{ sizeBytes: number; memoryNeeded: number; targets: MigrationTarget[] }> {
  const inspect = await input.agent(input.host).call('migrationInspect', { name: input.guest }, { guest: input.guest, timeoutMs: 120_000 });
  const candidates = input.registry.list().map((host) => host.name).filter((name) => name !== input.host);
  const targets = await Promise.all(candidates.map((candidate) => rate(candidate, input, inspect)));
  targets.sort((left, right) => Number(right.suitable) - Number(left.suitable) || right.score - left.score || left.host.localeCompare(right.host));
  return { sizeBytes: inspect.sizeBytes, memoryNeeded: inspect.config.limits.memoryHard ?? 0, targets };
}
