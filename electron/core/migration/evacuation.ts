// Evacuating a host: every guest on it migrated elsewhere, placed one after the other on the
// roomiest host that can take it after what the guests placed before it will take there, at most
// `parallel` migrations at a time, stoppable between guests. A guest no host can take is named
// with each host's reason and stays where it is; each guest gets its own result.
import type { EvacuateResult, ParsedEvacuateRequest } from '../../../shared/api/migration';
import type { HostRegistry } from '../hosts/hostRegistry';
import type { HostAgent } from '../sessions/sessionPool';
import type { MigrationCoordinator } from './migrationCoordinator';
import { diskNeeded } from './migrationPreflight';
import { needsOf, rankTargets, rateTarget, readHostRoom, type GuestNeeds, type Reserved } from './migrationTargets';

export interface EvacuationInput {
  registry: HostRegistry;
  agent(host: string): HostAgent;
  coordinator: MigrationCoordinator;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function evacuateHost(input: EvacuationInput, request: ParsedEvacuateRequest, signal?: AbortSignal): Promise<EvacuateResult> {
  const source = input.agent(request.host);
  const listed = await source.call('list', {}, { timeoutMs: 60_000 });
  const candidates = input.registry.list().map((host) => host.name).filter((name) => name !== request.host);
  const rooms = await Promise.all(candidates.map((name) => readHostRoom(name, input.agent(name))));
  const reserved = new Map<string, Reserved>(candidates.map((name) => [name, { disk: 0, memory: 0 }]));
  const results: EvacuateResult['guests'] = [];
  const plan: { needs: GuestNeeds; to: string }[] = [];
  for (const entry of listed.guests) {
    const name = entry.config.name;
    let needs: GuestNeeds;
    try {
      needs = needsOf(await source.call('migrationInspect', { name }, { guest: name, timeoutMs: 120_000 }));
    } catch (error) {
      results.push({ guest: name, outcome: 'stayed', reason: describe(error) });
      continue;
    }
    const ranked = rankTargets(rooms.map((room) => rateTarget(room, needs, reserved.get(room.host))));
    const best = ranked.find((target) => target.suitable);
    if (!best) {
      results.push({ guest: name, outcome: 'stayed', reason: `no host can take it: ${ranked.map((target) => `${target.host}: ${target.reasons.join(', ')}`).join('; ')}` });
      continue;
    }
    const taken = reserved.get(best.host) ?? { disk: 0, memory: 0 };
    reserved.set(best.host, { disk: taken.disk + diskNeeded(needs.sizeBytes), memory: taken.memory + needs.memoryHard });
    plan.push({ needs, to: best.host });
  }
  let stopped = false;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const item = plan[next];
      if (!item) return;
      next += 1;
      if (signal?.aborted) {
        stopped = true;
        results.push({ guest: item.needs.name, outcome: 'stayed', to: item.to, reason: 'the evacuation was stopped before its turn' });
        continue;
      }
      try {
        const moved = await input.coordinator.migrate({
          host: request.host, guest: item.needs.name, to: item.to, mode: request.mode, keepSource: request.keepSource, checkOnly: false,
          ...(request.verifyPort !== undefined ? { verifyPort: request.verifyPort } : {}),
        });
        results.push({ guest: item.needs.name, outcome: 'moved', to: item.to, migration: moved.migration, ...(moved.downtimeMs !== undefined ? { downtimeMs: moved.downtimeMs } : {}) });
      } catch (error) {
        results.push({ guest: item.needs.name, outcome: 'failed', to: item.to, reason: describe(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(request.parallel, Math.max(1, plan.length)) }, worker));
  const order = new Map(listed.guests.map((entry, index) => [entry.config.name, index]));
  results.sort((left, right) => (order.get(left.guest) ?? 0) - (order.get(right.guest) ?? 0));
  return { host: request.host, guests: results, stopped };
}
