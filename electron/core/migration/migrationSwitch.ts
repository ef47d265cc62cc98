// The switch: the part of a migration the guest is down for (source stopped or frozen, final round,
// arrival, start, verification), and its undoing, the rollback to the source. The coordinator
// (migrationCoordinator.ts) runs the pre-copy before it and the commit after it, and hands it the
// steps that write or report the journal's phase and clean up (SwitchSteps), and its rsync round.
import type { MigrateResult, MigrationPhase } from '../../../shared/api/migration';
import type { AgentResult } from '../../../shared/protocol/methods';
import type { HostAgent } from '../sessions/sessionPool';
import { HostError } from '../ssh/sshErrors';
import type { Journal } from './migrationJournal';
import { openRelays, type RelayPipe } from './migrationRelay';

export const ACTION_TIMEOUT_MS = 600_000;

/** A journal being worked on and its two agents. */
export interface SwitchRun {
  journal: Journal;
  source: HostAgent;
  target: HostAgent;
}

/** What the coordinator does for the switch, on the run it is given. */
export interface SwitchSteps {
  /** The phase written to the journal before it acts, then reported. */
  phase(phase: MigrationPhase, message?: string): Promise<void>;
  /** A phase that resolves as the last written one does: reported (dated `time` when given) and kept in memory only. */
  progressOnly(phase: MigrationPhase, figures?: { time?: number; message?: string }): void;
  message(message: string): void;
  /** Keys, staging and (discardArrival) the target's unverified copy removed; both holds released. */
  cleanup(discardArrival: boolean): Promise<void>;
}

function idsOf(journal: Journal): { ids: { migration: string; name: string }; call: { guest: string; timeoutMs: number } } {
  return { ids: { migration: journal.migration, name: journal.guest }, call: { guest: journal.guest, timeoutMs: ACTION_TIMEOUT_MS } };
}

/**
 * From 'switching' to the target's copy verified (journal.stoppedAt and verifiedAt set), the
 * pre-copy's data already flushed on the target. An abort is checked between the steps; whatever
 * throws is the caller's to resolve as a rollback. Resolves with the addresses announced.
 */
export async function runSwitch(
  steps: SwitchSteps, run: SwitchRun, finalRound: (relays?: RelayPipe[]) => Promise<AgentResult<'migrationSync'>>, signal: AbortSignal,
): Promise<MigrateResult['announced']> {
  const { journal, source, target } = run;
  const { ids, call } = idsOf(journal);
  // The last durable write before the verification: from 'switching' on, every phase up to the
  // verification resolves alike (a rollback that stops and starts a running source in stop mode,
  // since its stop may have been sent), so the steps below report their phase without writing it.
  await steps.phase('switching');
  // Stop mode: the source host writes the guest's dirty data out before the stop, so the guest's own
  // stop sequence's sync() (inside the downtime) finds little left, whatever else wrote to that disk.
  const flushing = journal.sourceWasRunning && journal.mode === 'stop' ? source.call('migrationFlush', ids, call) : undefined;
  await Promise.all([source.call('migrationMark', { ...ids, state: 'leaving', peer: journal.to }, call), flushing]);
  // A relayed final round's channels and agent ends start before the guest stops: their start is not downtime.
  const finalRelays = journal.transport === 'relay' ? await openRelays(source, target, journal.migration, signal) : undefined;
  let specials: AgentResult<'migrationSync'>['specials'];
  try {
    if (journal.sourceWasRunning) {
      journal.stoppedAt = Date.now();
      steps.message(journal.mode === 'freeze' ? 'freezing' : 'stopping');
      if (journal.mode === 'freeze') await source.call('migrationFreeze', { ...ids, frozen: true }, call);
      else await source.call('stop', ids, call);
    }
    // From here an abort (or the caller's cancel) is a rollback, checked between the steps.
    signal.throwIfAborted();
    steps.progressOnly('finalSync');
    ({ specials } = await finalRound(finalRelays));
  } finally {
    for (const relay of finalRelays ?? []) relay.close();
  }
  signal.throwIfAborted();
  steps.progressOnly('arrived');
  // A running guest's copy is started by the same call (one round trip and one read of its
  // configuration less); 'started' is reported once it returned, dated when its start began.
  const arrival = await target.call('migrationArrive', { ...ids, from: journal.host, xid: journal.xid, specials, ...(journal.sourceWasRunning ? { start: true } : {}) }, call);
  signal.throwIfAborted();
  if (!journal.sourceWasRunning) return [];
  const startMs = arrival.startMs ?? 0;
  steps.progressOnly('started', { time: Date.now() - startMs, message: `arrived in ${arrival.arrivalMs} ms, started in ${startMs} ms on ${journal.to}` });
  steps.message('verifying');
  signal.throwIfAborted();
  // The announcement's packets leave at once; its arpings then wait out their reply time, which verification need not.
  const announcing = target.call('migrationAnnounce', ids, call);
  announcing.catch(() => undefined);
  const verified = await target.call('migrationVerify', { ...ids, ...(journal.verifyPort !== undefined ? { port: journal.verifyPort } : {}) }, call);
  if (!verified.initAlive) throw new HostError(journal.to, 'its init is not alive after the start', 'permanent', journal.guest);
  if (verified.port && !verified.port.open) {
    throw new HostError(journal.to, `port ${verified.port.port} on ${verified.port.address} does not accept connections (${verified.port.error ?? 'closed'})`, 'permanent', journal.guest);
  }
  journal.verifiedAt = Date.now();
  return (await announcing).announced;
}

/**
 * A journal between 'switching' and 'verified' undone: the target's copy stopped and removed first,
 * then the source thawed or started, its marker cleared. Returns what it did, in the admin's words.
 */
export async function rollBack(steps: SwitchSteps, run: SwitchRun, reason: string | undefined): Promise<string> {
  const { journal, source, target } = run;
  const { ids, call } = idsOf(journal);
  await steps.phase('rollingBack');
  // The target's copy goes first: only then may the source run again.
  await target.call('migrationCleanup', { ...ids, discardArrival: true }, call);
  const inspect = await source.call('migrationInspect', { name: journal.guest }, call);
  if (journal.sourceWasRunning) {
    if (inspect.status.state !== 'running') {
      await source.call('start', ids, call);
    } else if (journal.mode === 'freeze') {
      await source.call('migrationFreeze', { ...ids, frozen: false }, call);
    } else {
      // Past 'switching' its stop may have been sent (by an agent process whose session was cut, or to
      // an init that ends on its own): running now says nothing about a moment later. It is stopped, then started.
      await source.call('stop', ids, call);
      await source.call('start', ids, call);
    }
  }
  if (inspect.marker?.migration === journal.migration) await source.call('migrationMark', { ...ids, state: null, peer: journal.to }, call);
  await steps.cleanup(true);
  journal.note = reason !== undefined ? `rolled back: ${reason}` : 'rolled back after a crash during the switch';
  await steps.phase('rolledBack', journal.note);
  return `rolled back: ${journal.guest} ${journal.sourceWasRunning ? 'runs' : 'stays'} on ${journal.host}, nothing left on ${journal.to}`;
}
