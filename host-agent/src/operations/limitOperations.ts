// `limit`: limits are persisted in rlimits/, sched/, cpuset/ and applied live to a running guest.
import type { GuestConfig, GuestLimitUsage, GuestLimits, GuestStatus } from '../../../shared/domain/guest';
import type { AgentResult } from '../../../shared/protocol/methods';
import type { LimitChanges } from '../../../shared/protocol/schemas';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { DEFAULT_CPU_PERIOD_US, quotaToCpuBucket } from '../vserverFormats/cpuBucket';
import { guestConfigDir, writeGuestLimits } from '../config/guestConfigStore';
import { asAgentError, guestError } from '../errors/agentError';
import type { AgentContext } from './agentContext';

type LimitKey = keyof GuestLimits;

/** Applies set (value), remove (null) and keep (absent) to the current limits. */
export function mergeLimitChanges(name: string, current: GuestLimits, changes: LimitChanges): GuestLimits {
  const next: GuestLimits = { ...current };
  const assign = <K extends LimitKey>(key: K, value: GuestLimits[K] | null | undefined): void => {
    if (value === undefined) return;
    if (value === null) delete next[key];
    else next[key] = value;
  };
  assign('memoryHard', changes.memoryHard);
  assign('memorySoft', changes.memorySoft);
  assign('processes', changes.processes);
  assign('cpuSet', changes.cpuSet);
  assign('ioWeight', changes.ioWeight);
  if (changes.cpu !== undefined) {
    const bucket = changes.cpu === null ? undefined : quotaToCpuBucket(Math.max(1, Math.round(changes.cpu * DEFAULT_CPU_PERIOD_US)));
    assign('cpuFillRate', bucket === undefined ? null : bucket.fillRate);
    assign('cpuInterval', bucket === undefined ? null : bucket.interval);
  }
  if (changes.cpuFillRate !== undefined || changes.cpuInterval !== undefined) {
    if (changes.cpu !== undefined) throw guestError(ERROR_CODES.invalidParams, name, 'give either a CPU share or a fill-rate and interval, not both');
    assign('cpuFillRate', changes.cpuFillRate);
    assign('cpuInterval', changes.cpuInterval);
    if ((next.cpuFillRate === undefined) !== (next.cpuInterval === undefined)) {
      throw guestError(ERROR_CODES.invalidParams, name, 'a CPU token bucket needs both a fill-rate and an interval');
    }
  }
  if (next.memoryHard !== undefined && next.memorySoft !== undefined && next.memorySoft > next.memoryHard) {
    throw guestError(ERROR_CODES.invalidParams, name, 'the soft memory limit is above the hard one');
  }
  return next;
}

function idleUsage(limits: GuestLimits): GuestLimitUsage {
  return {
    limits, memoryCurrent: 0, memoryPeak: 0, memoryHits: 0, oomKills: 0, processesCurrent: 0, processesHits: 0, cpuUsageUsec: 0, throttledUsec: 0,
  };
}

async function usageOf(context: AgentContext, config: GuestConfig, status: GuestStatus): Promise<GuestLimitUsage> {
  if (status.state !== 'running') return idleUsage(config.limits);
  try {
    // The persisted limits are what the admin set; the kernel figures are the usage.
    return { ...(await context.driver.readLimits(config, status)), limits: config.limits };
  } catch (error) {
    throw asAgentError(error, config.name);
  }
}

export async function getGuestLimits(context: AgentContext, name: string): Promise<AgentResult<'limitGet'>> {
  const config = await context.readConfig(name);
  const status = await context.statusOf(config);
  const running = status.state === 'running';
  return { name, running, appliedLive: running, usage: await usageOf(context, config, status) };
}

export function setGuestLimits(context: AgentContext, name: string, changes: LimitChanges): Promise<AgentResult<'limitSet'>> {
  return context.withGuestLock(name, 'limit', async () => {
    const config = await context.readConfig(name);
    const limits = mergeLimitChanges(name, config.limits, changes);
    // The one look at the guest's init on this path: apply and usage reuse it.
    const status = await context.statusOf(config);
    const running = status.state === 'running';
    const updated = { ...config, limits };
    if (running) {
      try {
        await context.driver.applyLimits(updated, limits, status);
      } catch (error) {
        throw asAgentError(error, name);
      }
    }
    await writeGuestLimits(guestConfigDir(context.paths.configBase, name), limits);
    return { name, running, appliedLive: running, usage: await usageOf(context, updated, status) };
  });
}
