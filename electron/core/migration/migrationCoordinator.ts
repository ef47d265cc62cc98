// The migration coordinator: moves one guest between two hosts through journaled phases
// (pre-flight, pre-copy, switch, commit) so that exactly one copy runs whatever fails, and resolves
// journals a crash left unfinished (rolled back before the target copy is verified, forward after).
// It drives the two agents (sessionPool.agent) and holds the guest on both hosts, in this core
// (lockGuest) and in each agent (migrationHold). Phases, markers and transport: docs/architecture.md.
// The switch (the downtime) and its rollback are migrationSwitch.ts; a relayed round's data path is migrationRelay.ts.
import { randomBytes } from 'node:crypto';
import type { Host } from '../../../shared/api/hosts';
import type {
  EvacuateResult, MigrateResult, MigrationJournalView, MigrationPhase, MigrationProgress, MigrationTransport, MigrationTransportSetting,
  ParsedEvacuateRequest, ParsedMigrateRequest,
} from '../../../shared/api/migration';
import type { GuestRef } from '../../../shared/api/guestActions';
import type { AgentResult } from '../../../shared/protocol/methods';
import type { HostRegistry } from '../hosts/hostRegistry';
import type { HostAgent } from '../sessions/sessionPool';
import { HostError } from '../ssh/sshErrors';
import { BEFORE_SWITCH, COMMIT_PHASES, isFinished, journalView, MigrationJournals, type Journal } from './migrationJournal';
import { runPreflight } from './migrationPreflight';
import { evacuateHost } from './evacuation';
import { migrationTargets } from './migrationTargets';
import { openRelays, type RelayPipe } from './migrationRelay';
import { ACTION_TIMEOUT_MS, rollBack, runSwitch, type SwitchRun, type SwitchSteps } from './migrationSwitch';

/** Another pre-copy round while the last one moved more than this much changed data. */
const DELTA_LARGE_BYTES = 4 * 1024 * 1024;
const MAX_PRECOPY_ROUNDS = 5;
const TRANSFER_TIMEOUT_MS = 6 * 3_600_000;
const RESOLVE_RETRY_MS = 3_000;

export interface MigrationCoordinatorOptions {
  journals: MigrationJournals;
  registry: HostRegistry;
  agent(host: string): HostAgent;
  lockGuest(guest: GuestRef, operation: string): () => void;
  progress(progress: MigrationProgress): void;
  /** The settings' transport, for a request that names none. */
  transport(): MigrationTransportSetting;
}

function newMigrationId(): string {
  return `m-${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A journal being worked on: its two agents, and the core locks held until it is resolved. */
interface Run extends SwitchRun {
  release: () => void;
}

/** A migration this core is running now: its abort, and its end (settled either way). */
interface Active {
  journal: Journal;
  controller: AbortController;
  settled: Promise<unknown>;
}

export class MigrationCoordinator {
  private readonly pending = new Map<string, Run>();
  private readonly active = new Map<string, Active>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private resolving: Promise<void> | undefined;

  constructor(private readonly options: MigrationCoordinatorOptions) {}

  /** Takes the core locks of every unfinished journal, then resolves them (again later while a host cannot be reached). */
  async start(): Promise<void> {
    const { journals } = await this.options.journals.list();
    for (const journal of journals.filter((entry) => !isFinished(entry))) {
      if (this.pending.has(journal.migration)) continue;
      try {
        this.pending.set(journal.migration, this.runOf(journal));
      } catch {
        // A guest this core already holds: its own run resolves it.
      }
    }
    this.scheduleResolve(0);
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const run of this.pending.values()) run.release();
    this.pending.clear();
  }

  targets(ref: GuestRef): ReturnType<typeof migrationTargets> {
    return migrationTargets({ ...ref, registry: this.options.registry, agent: (host) => this.options.agent(host) });
  }

  /** Every guest of a host migrated elsewhere (electron/core/migration/evacuation.ts). */
  evacuate(request: ParsedEvacuateRequest, signal?: AbortSignal): Promise<EvacuateResult> {
    return evacuateHost({ registry: this.options.registry, agent: (host) => this.options.agent(host), coordinator: this }, request, signal);
  }

  async list(): Promise<MigrationJournalView[]> {
    return (await this.options.journals.list()).journals.map(journalView);
  }

  /** Resolves every unfinished journal now; resolves when each is finished or has its reason for waiting noted. */
  resolvePending(): Promise<void> {
    // .finally runs after the assignment even when nothing is pending, so a later call is never shut out.
    this.resolving ??= this.resolveEach().finally(() => {
      this.resolving = undefined;
      if (this.pending.size > 0) this.scheduleResolve(RESOLVE_RETRY_MS);
    });
    return this.resolving;
  }

  /**
   * `vfleet migrations --abort ID`: before the switch a clean abort (the target's copy removed), after
   * it a rollback to the source; refused once the target's copy is verified (the commit finishes it)
   * or the migration is finished. Resolves with the journal as it ends.
   */
  async abort(migration: string): Promise<MigrationJournalView> {
    const refuse = (journal: Journal, why: string): HostError =>
      new HostError(journal.host, `migration ${journal.migration} of ${journal.guest} to ${journal.to} cannot be aborted: ${why}`, 'permanent', journal.guest);
    const committing = (journal: Journal): HostError => refuse(journal, `its copy on ${journal.to} is verified and the commit is under way (${journal.phase}); vfleet finishes it`);
    const active = this.active.get(migration);
    if (active) {
      if (COMMIT_PHASES.includes(active.journal.phase)) throw committing(active.journal);
      active.controller.abort(new HostError(active.journal.host, `the admin aborted it (in ${active.journal.phase})`, 'permanent', active.journal.guest));
      await active.settled;
      if (active.journal.phase === 'done') throw refuse(active.journal, 'it reached its commit before the abort took effect; the guest runs on its target');
      return journalView(active.journal);
    }
    const run = this.pending.get(migration);
    if (run) {
      if (COMMIT_PHASES.includes(run.journal.phase)) throw committing(run.journal);
      // A journal waiting for a host: the resolution it waits for is the abort (or the rollback) itself, tried now.
      await this.resolvePending();
      if (this.pending.has(migration)) {
        throw refuse(run.journal, `${run.journal.note ?? 'a host does not answer'}; vfleet keeps trying (vfleet migrations --resume)`);
      }
      return journalView(run.journal);
    }
    const journal = (await this.options.journals.list()).journals.find((entry) => entry.migration === migration);
    if (!journal) throw new Error(`no migration ${migration} is journaled here (vfleet migrations lists them)`);
    throw refuse(journal, isFinished(journal) ? `it is already finished (${journal.phase})` : `another core holds it (${journal.phase})`);
  }

  private async resolveEach(): Promise<void> {
    for (const run of [...this.pending.values()]) {
      try {
        await this.resolve(run);
        this.pending.delete(run.journal.migration);
        run.release();
      } catch (error) {
        run.journal.note = `not resolved yet: ${describe(error)}`;
        await this.options.journals.write(run.journal).catch(() => undefined);
      }
    }
  }

  private scheduleResolve(delayMs: number): void {
    if (this.closed) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => { void this.resolvePending(); }, delayMs);
    this.retryTimer.unref();
  }

  private host(name: string): Host {
    return this.options.registry.require(name);
  }

  /** Both core locks of a journal's guest, named after the migration; throws busy when either is held. */
  private runOf(journal: Journal): Run {
    const what = `migration ${journal.migration} of ${journal.guest} from ${journal.host} to ${journal.to}`;
    const releaseSource = this.options.lockGuest({ host: journal.host, guest: journal.guest }, what);
    let releaseTarget: () => void;
    try {
      releaseTarget = this.options.lockGuest({ host: journal.to, guest: journal.guest }, what);
    } catch (error) {
      releaseSource();
      throw error;
    }
    return {
      journal,
      source: this.options.agent(journal.host),
      target: this.options.agent(journal.to),
      release: () => { releaseSource(); releaseTarget(); },
    };
  }

  private async phase(run: Run, phase: MigrationPhase, message?: string): Promise<void> {
    run.journal.phase = phase;
    await this.options.journals.write(run.journal);
    this.report(run, { message });
  }

  /**
   * A phase that resolves as the journal's last written one does (the switch's steps after 'switching'):
   * shown as progress and kept in memory (an abort reads it), written with the next durable phase.
   */
  private progressOnly(run: Run, phase: MigrationPhase, figures: { time?: number; message?: string } = {}): void {
    run.journal.phase = phase;
    this.report(run, figures);
  }

  /** The switch's steps on this run (migrationSwitch.ts). */
  private steps(run: Run): SwitchSteps {
    return {
      phase: (phase, message) => this.phase(run, phase, message),
      progressOnly: (phase, figures) => this.progressOnly(run, phase, figures),
      message: (message) => this.report(run, { message }),
      cleanup: (discardArrival) => this.cleanup(run, discardArrival),
    };
  }

  private report(run: Run, figures: { bytes?: number; rateBytesPerSecond?: number; secondsLeft?: number; message?: string; time?: number }): void {
    const { journal } = run;
    this.options.progress({
      migration: journal.migration,
      host: journal.host,
      guest: journal.guest,
      to: journal.to,
      phase: journal.phase,
      bytes: figures.bytes ?? journal.bytesSent,
      rateBytesPerSecond: figures.rateBytesPerSecond ?? 0,
      ...(figures.secondsLeft !== undefined ? { secondsLeft: figures.secondsLeft } : {}),
      round: journal.rounds,
      ...(journal.transport ? { transport: journal.transport } : {}),
      time: figures.time ?? Date.now(),
      ...(figures.message ? { message: figures.message } : {}),
    });
  }

  /** A refusal when the guest has an unfinished journal on either host (it may be held by a resolution waiting for a host). */
  private async assertNoUnfinished(ref: { host: string; guest: string; to: string }): Promise<void> {
    const { journals } = await this.options.journals.list();
    const open = journals.find((journal) => !isFinished(journal) && journal.guest === ref.guest
      && [journal.host, journal.to].some((host) => host === ref.host || host === ref.to));
    if (open) {
      throw new HostError(ref.host, `busy: migration ${open.migration} of ${open.guest} from ${open.host} to ${open.to} is unfinished (${open.phase}); vfleet resolves it when both hosts answer`, 'permanent', ref.guest);
    }
  }

  /** `request` as the API entry parsed it. */
  async migrate(request: ParsedMigrateRequest, callSignal?: AbortSignal): Promise<MigrateResult> {
    const started = Date.now();
    // The caller's cancel and `migrations.abort` stop it alike: an abort before the switch, a rollback after it.
    const controller = new AbortController();
    const signal = callSignal ? AbortSignal.any([callSignal, controller.signal]) : controller.signal;
    const journal: Journal = {
      version: 1,
      migration: newMigrationId(),
      host: request.host,
      guest: request.guest,
      to: request.to,
      mode: request.mode,
      keepSource: request.keepSource,
      ...(request.verifyPort !== undefined ? { verifyPort: request.verifyPort } : {}),
      xid: request.xid ?? 0,
      sourceWasRunning: false,
      phase: 'preflight',
      startedAt: started,
      updatedAt: started,
      bytesSent: 0,
      rounds: 0,
    };
    const sourceHost = this.host(request.host);
    const targetHost = this.host(request.to);
    const run = this.runOf(journal);
    let resolvedHere = true;
    let settle: () => void = () => undefined;
    this.active.set(journal.migration, { journal, controller, settled: new Promise<void>((resolve) => { settle = resolve; }) });
    try {
      await this.assertNoUnfinished(request);
      const transport = request.transport ?? this.options.transport();
      const preflight = await runPreflight({ request: { ...request, transport }, sourceHost, targetHost, source: run.source, target: run.target, migration: journal.migration });
      const failed = preflight.checks.filter((check) => check.outcome === 'failed');
      const base = { migration: journal.migration, host: request.host, guest: request.guest, to: request.to, mode: request.mode, preflight: preflight.checks };
      const [preferred] = preflight.transports;
      if (request.checkOnly || failed.length > 0 || !preflight.inspect || preflight.xid === undefined || !preferred) {
        if (!request.checkOnly) {
          throw new HostError(request.host, `migration to ${request.to} refused, nothing moved: ${failed.map((check) => check.detail).join('; ')}`, 'permanent', request.guest);
        }
        return { ...base, xid: preflight.xid ?? preflight.inspect?.config.xid ?? 0, outcome: 'checked', transport: preferred ?? 'direct', totalMs: Date.now() - started, bytesSent: 0, rateBytesPerSecond: 0, rounds: 0, sourceKept: true, announced: [] };
      }
      journal.xid = preflight.xid;
      journal.sourceWasRunning = preflight.inspect.status.state === 'running';
      signal.throwIfAborted();
      const outcome = await this.transfer(run, sourceHost, targetHost, preflight.transports, signal);
      const totalMs = Date.now() - started;
      return {
        ...base,
        xid: journal.xid,
        outcome: 'done',
        ...(journal.stoppedAt !== undefined && journal.verifiedAt !== undefined ? { downtimeMs: journal.verifiedAt - journal.stoppedAt } : {}),
        totalMs,
        bytesSent: journal.bytesSent,
        rateBytesPerSecond: outcome.transferMs > 0 ? Math.round(journal.bytesSent / (outcome.transferMs / 1000)) : 0,
        rounds: journal.rounds,
        transport: journal.transport ?? preferred,
        sourceKept: journal.keepSource,
        announced: outcome.announced,
      };
    } catch (error) {
      if (journal.phase === 'preflight') throw error;
      // An aborted call's own error says only that it was cancelled; the abort's reason says why.
      const cause: unknown = signal.aborted ? signal.reason : error;
      journal.failure = describe(cause);
      // Undo or finish what the journal says may have happened; a host that does not answer leaves it to the resolver.
      let what: string;
      try {
        what = await this.resolve(run, cause);
      } catch (resolution) {
        resolvedHere = false;
        journal.note = `not resolved yet: ${describe(resolution)}`;
        await this.options.journals.write(journal).catch(() => undefined);
        this.pending.set(journal.migration, run);
        this.scheduleResolve(RESOLVE_RETRY_MS);
        throw new HostError(request.host, `migration ${journal.migration} to ${request.to} failed: ${describe(cause)}; it could not be resolved yet (${describe(resolution)}), vfleet retries until both hosts answer`, 'permanent', request.guest);
      }
      throw new HostError(request.host, `migration ${journal.migration} to ${request.to} failed: ${describe(cause)}; ${what}`, 'permanent', request.guest);
    } finally {
      this.active.delete(journal.migration);
      settle();
      if (resolvedHere) run.release();
    }
  }

  /** Pre-copy, switch, verification and commit of a checked migration. */
  private async transfer(
    run: Run, sourceHost: Host, targetHost: Host, transports: MigrationTransport[], signal: AbortSignal,
  ): Promise<{ transferMs: number; announced: MigrateResult['announced'] }> {
    const { journal, source, target } = run;
    const name = journal.guest;
    const ids = { migration: journal.migration, name };
    const call = { guest: name, timeoutMs: ACTION_TIMEOUT_MS };
    let transferMs = 0;
    const unsubscribe = source.on('migrationProgress', (event) => {
      if (event.migration !== journal.migration) return;
      this.report(run, { bytes: journal.bytesSent + event.bytes, rateBytesPerSecond: event.rateBytesPerSecond, ...(event.secondsLeft !== undefined ? { secondsLeft: event.secondsLeft } : {}) });
    });
    /** A round; a relayed one through `opened` when the caller opened its relays already, else through relays of its own. */
    const sync = async (opened?: RelayPipe[]): Promise<AgentResult<'migrationSync'>> => {
      const hostKey = targetHost.trust.accepted;
      if (!hostKey) throw new HostError(targetHost.name, 'no accepted host key to give the source');
      const relayed = journal.transport === 'relay';
      let relays: RelayPipe[] = opened ?? [];
      let round: AgentResult<'migrationSync'>;
      try {
        if (relayed && !opened) relays = await openRelays(source, target, journal.migration, signal);
        round = await source.call('migrationSync', {
          ...ids, address: targetHost.address, port: targetHost.port, hostKey: `${hostKey.type} ${hostKey.keyBase64}`, ...(relayed ? { relay: true } : {}),
        }, { guest: name, timeoutMs: TRANSFER_TIMEOUT_MS, signal });
        // The round is over only when both ends of each relay are: the target's rsync has written everything.
        await Promise.all(relays.map((relay) => relay.done));
      } finally {
        for (const relay of relays) relay.close();
      }
      journal.rounds += 1;
      journal.bytesSent += round.bytesSent;
      transferMs += round.durationMs;
      this.report(run, { message: `round ${journal.rounds}: ${round.filesTransferred} files, ${round.literalBytes} bytes changed in ${round.durationMs} ms` });
      return round;
    };
    try {
      await this.phase(run, 'precopy');
      await source.call('migrationHold', ids, call);
      await target.call('migrationHold', ids, call);
      // A key only when the data may go direct; auto with both possible asks the source whether it reaches the target with it.
      const publicKey = transports.includes('direct') ? (await source.call('migrationKey', ids, call)).publicKey : undefined;
      await target.call('migrationPrepare', { ...ids, from: sourceHost.address, ...(publicKey ? { publicKey } : {}) }, call);
      journal.transport = await this.chooseTransport(run, targetHost, transports);
      await this.options.journals.write(journal);
      let delta = (await sync()).literalBytes;
      while (delta > DELTA_LARGE_BYTES && journal.rounds < MAX_PRECOPY_ROUNDS) {
        signal.throwIfAborted();
        delta = (await sync()).literalBytes;
      }
      signal.throwIfAborted();
      // The pre-copy's data on the target's disk before the switch, not during it.
      await target.call('migrationFlush', ids, call);
      signal.throwIfAborted();
      const announced = await runSwitch(this.steps(run), run, sync, signal);
      signal.throwIfAborted();
      // The final delta on the target's disk before the commit disables (or removes) the source's copy.
      await target.call('migrationFlush', ids, call);
      await this.phase(run, 'verified');
      await this.commit(run);
      return { transferMs, announced };
    } finally {
      unsubscribe();
    }
  }

  /** The only transport possible, or (auto) direct when the source's probe with the migration's key reaches the target's sshd, else relay. */
  private async chooseTransport(run: Run, targetHost: Host, transports: MigrationTransport[]): Promise<MigrationTransport> {
    const [first, second] = transports;
    if (!first) throw new HostError(targetHost.name, 'no transport can carry the data');
    if (!second) return first;
    const hostKey = targetHost.trust.accepted;
    if (!hostKey) return 'relay';
    const reach = await run.source.call('migrationReach', {
      migration: run.journal.migration, name: run.journal.guest, address: targetHost.address, port: targetHost.port, hostKey: `${hostKey.type} ${hostKey.keyBase64}`,
    }, { guest: run.journal.guest, timeoutMs: 60_000 });
    const transport: MigrationTransport = reach.reachable ? 'direct' : 'relay';
    run.journal.transport = transport;
    this.report(run, { message: `${transport}: ${reach.detail} (probed in ${reach.durationMs} ms)` });
    return transport;
  }

  /** After verification: the source disabled (a frozen one killed) and kept or removed, the target's marker cleared, nothing left over. */
  private async commit(run: Run): Promise<string> {
    const { journal, source, target } = run;
    const ids = { migration: journal.migration, name: journal.guest };
    const call = { guest: journal.guest, timeoutMs: ACTION_TIMEOUT_MS };
    await this.phase(run, 'committing');
    await source.call('migrationHold', ids, call);
    await target.call('migrationHold', ids, call);
    const inspect = await source.call('migrationInspect', { name: journal.guest }, call).catch(() => undefined);
    if (inspect) {
      if (inspect.status.state === 'running') {
        // A frozen source cannot run its stop sequence: it is killed.
        await source.call('stop', { ...ids, kill: true }, call);
      }
      await source.call('migrationMark', { ...ids, state: 'moved', peer: journal.to }, call);
      if (!journal.keepSource) await source.call('delete', ids, call);
    }
    await target.call('migrationMark', { ...ids, state: null, peer: journal.host }, call);
    await this.cleanup(run, false);
    await this.phase(run, 'done', `${journal.guest} runs on ${journal.to}`);
    return `${journal.guest} runs on ${journal.to}`;
  }

  /** Removes keys, staging and (discardArrival) the target's unverified copy; releases both agents' holds. */
  private async cleanup(run: Run, discardArrival: boolean): Promise<void> {
    const { journal, source, target } = run;
    const ids = { migration: journal.migration, name: journal.guest };
    const call = { guest: journal.guest, timeoutMs: ACTION_TIMEOUT_MS };
    await target.call('migrationCleanup', { ...ids, discardArrival }, call);
    await source.call('migrationCleanup', ids, call);
    await target.call('migrationRelease', ids, call);
    await source.call('migrationRelease', ids, call);
  }

  /**
   * Brings a journal to a final phase from whatever it says: before the switch an abort (the source
   * never stopped), after verification the commit, in between a rollback (the target's copy stopped
   * and removed first, then the source thawed or started). Returns what it did, in the admin's words.
   */
  private async resolve(run: Run, cause?: unknown): Promise<string> {
    const { journal, source, target } = run;
    const ids = { migration: journal.migration, name: journal.guest };
    const call = { guest: journal.guest, timeoutMs: ACTION_TIMEOUT_MS };
    const reason = cause !== undefined ? describe(cause) : journal.failure;
    if (COMMIT_PHASES.includes(journal.phase)) return `rolled forward: ${await this.commit(run)}`;
    await source.call('migrationHold', ids, call);
    await target.call('migrationHold', ids, call);
    if (BEFORE_SWITCH.includes(journal.phase)) {
      await this.cleanup(run, true);
      journal.note = reason !== undefined ? `aborted: ${reason}` : 'aborted after a crash before the switch';
      await this.phase(run, 'aborted', journal.note);
      return `aborted before the switch: ${journal.guest} stays on ${journal.host}, nothing left on ${journal.to}`;
    }
    return rollBack(this.steps(run), run, reason);
  }
}
