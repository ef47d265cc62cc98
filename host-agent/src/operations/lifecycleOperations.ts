// start, stop, restart, status, start --marked and delete: each mutating one under the guest's lock.
// Every start probes the guest's addresses on the host's network first (host/duplicateAddress.ts);
// a cancelled start leaves the guest stopped.
import { promises as fs } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import type { GuestConfig, GuestStatus } from '../../../shared/domain/guest';
import type { AgentResult } from '../../../shared/protocol/methods';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { guestConfigDir } from '../config/guestConfigStore';
import { AgentError, asAgentError, guestError } from '../errors/agentError';
import { assertAddressesUnanswered } from '../host/duplicateAddress';
import { markerRefusal, readMarker } from '../migration/migrationMarker';
import { readReplicaMarker, replicaRefusal } from '../replication/replicaMarker';
import type { AgentContext } from './agentContext';

export async function guestStatus(context: AgentContext, name: string): Promise<GuestStatus> {
  return context.statusOf(await context.readConfig(name));
}

function cancelledStart(name: string): AgentError {
  return guestError(ERROR_CODES.cancelled, name, 'the start was cancelled; the guest is stopped');
}

/**
 * How a start may pass a migration marker (forced by the admin, or by the migration the marker
 * names), and its cancel. A migration's start skips the address probe: its pre-flight found the
 * address answered by the source alone, which it has stopped or frozen (a frozen source still
 * answers, and the probe's wait would be downtime).
 */
export interface StartOptions {
  force?: boolean;
  migration?: string;
  /** The promotion of this replication (its replica marker's). */
  replication?: string;
  signal?: AbortSignal;
  /** The configuration as the caller just read it under the same lock (a migration's arrival). */
  config?: GuestConfig;
}

/**
 * The one check of a copy's markers before any start (plain, --marked, a migration's, a promotion's):
 * a migration marker passes for its migration or with force; a replica passes only for its own
 * promotion; a fenced copy with force. Throws the refusal in the admin's words.
 */
export async function assertStartAllowed(context: AgentContext, name: string, options: Pick<StartOptions, 'force' | 'migration' | 'replication'>): Promise<void> {
  const marker = await readMarker(context.paths.configBase, name);
  const refusal = markerRefusal(marker);
  if (refusal && !options.force && marker?.migration !== options.migration) throw guestError(ERROR_CODES.conflict, name, refusal, { migration: marker?.migration });
  const replica = await readReplicaMarker(context.paths.configBase, name);
  const replicaReason = replicaRefusal(replica);
  const passes = replica?.replication === options.replication || (replica?.role === 'fenced' && options.force === true);
  if (replicaReason && !passes) throw guestError(ERROR_CODES.conflict, name, replicaReason, { replication: replica?.replication });
}

export async function startUnlocked(context: AgentContext, name: string, options: StartOptions = {}): Promise<GuestStatus> {
  const { signal } = options;
  const config = options.config ?? await context.readConfig(name);
  const before = await context.statusOf(config);
  if (before.state === 'running') throw guestError(ERROR_CODES.running, name, `already running at context ${before.xid}`);
  await assertStartAllowed(context, name, options);
  try {
    if (options.migration === undefined) await assertAddressesUnanswered(config, signal);
  } catch (error) {
    throw signal?.aborted ? cancelledStart(name) : asAgentError(error, name);
  }
  if (signal?.aborted) throw cancelledStart(name);
  let status: GuestStatus;
  try {
    status = await context.driver.start(config, signal);
  } catch (error) {
    throw asAgentError(error, name);
  }
  // A driver that cannot stop half-way (util-vserver's start) finished: what it started is stopped again.
  if (signal?.aborted) {
    if ((await context.statusOf(config)).state === 'running') await stopUnlocked(context, name);
    throw cancelledStart(name);
  }
  return status;
}

export async function stopUnlocked(context: AgentContext, name: string, immediate = false): Promise<GuestStatus> {
  const config = await context.readConfig(name);
  const before = await context.statusOf(config);
  if (before.state !== 'running') throw guestError(ERROR_CODES.notRunning, name, 'is not running');
  try {
    return await context.driver.stop(config, { immediate });
  } catch (error) {
    throw asAgentError(error, name);
  }
}

export function startGuest(context: AgentContext, name: string, options: StartOptions = {}): Promise<GuestStatus> {
  return context.withGuestLock(name, 'start', () => startUnlocked(context, name, options), options.migration);
}

/** `immediate` (a migration's frozen source): every process killed at once, no stop sequence. */
export function stopGuest(context: AgentContext, name: string, migration?: string, immediate = false): Promise<GuestStatus> {
  return context.withGuestLock(name, 'stop', () => stopUnlocked(context, name, immediate), migration);
}

/** A cancel during the stop half lets the stop finish (a guest is never left half-stopped), then starts nothing. */
export function restartGuest(context: AgentContext, name: string, signal?: AbortSignal): Promise<GuestStatus> {
  return context.withGuestLock(name, 'restart', async () => {
    const config = await context.readConfig(name);
    if ((await context.statusOf(config)).state === 'running') await stopUnlocked(context, name);
    return startUnlocked(context, name, { signal });
  });
}

/** What a host's boot script calls: start every stopped guest whose apps/init/mark matches; `withheld` are not started, with their reason. */
export async function startMarkedGuests(
  context: AgentContext, mark: string, signal?: AbortSignal, withheld: ReadonlyMap<string, string> = new Map(),
): Promise<AgentResult<'startMarked'>> {
  const results: AgentResult<'startMarked'>['results'] = [];
  const { configs, unreadable } = await context.scanConfigs();
  // An unreadable guest may carry this mark: the boot script must hear about it, not miss it.
  for (const guest of unreadable) results.push({ name: guest.name, ok: false, error: guest.error });
  for (const config of configs) {
    if (config.mark !== mark) continue;
    const reason = withheld.get(config.name);
    if (reason !== undefined) {
      results.push({ name: config.name, ok: false, error: reason });
      continue;
    }
    try {
      const status = await context.statusOf(config);
      results.push({ name: config.name, ok: true, status: status.state === 'running' ? status : await startGuest(context, config.name, { signal }) });
    } catch (error) {
      results.push({ name: config.name, ok: false, error: asAgentError(error, config.name).message });
    }
  }
  return { mark, results };
}

/** Whether `path` lies strictly below `base` (a guest root that may be removed). */
export function isInside(base: string, path: string): boolean {
  const relation = relative(base, path);
  return relation !== '' && !relation.startsWith('..') && !isAbsolute(relation);
}

/** Refused while running; removes kernel objects, the guest root and the configuration. */
export function deleteGuest(context: AgentContext, name: string, migration?: string): Promise<AgentResult<'delete'>> {
  return context.withGuestLock(name, 'delete', async () => {
    const config = await context.readConfig(name);
    const status = await context.statusOf(config);
    if (status.state === 'running') throw guestError(ERROR_CODES.running, name, 'is running; stop it before deleting it');
    // vdir may point anywhere: never remove a tree outside the guest base.
    if (!isInside(context.paths.guestBase, config.rootDir)) {
      throw guestError(ERROR_CODES.conflict, name, `its root ${config.rootDir} is outside the guest base ${context.paths.guestBase}; remove it by hand`);
    }
    try {
      await context.driver.cleanup(config);
    } catch (error) {
      throw asAgentError(error, name);
    }
    // The configuration disappears in one rename first, so a half-deleted guest is never listed.
    const trash = join(context.paths.stateDir, 'trash', `${name}-${process.pid}-${Date.now().toString(36)}`);
    await fs.mkdir(join(context.paths.stateDir, 'trash'), { recursive: true });
    await fs.rename(guestConfigDir(context.paths.configBase, name), trash);
    await fs.rm(config.rootDir, { recursive: true, force: true });
    await fs.rm(trash, { recursive: true, force: true });
    return { name, deleted: true as const };
  }, migration);
}
