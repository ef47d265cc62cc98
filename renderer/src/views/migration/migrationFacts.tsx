// How the views show a migration: its phase in words, the forward steps with the current one
// marked, the live figures of the feed (bytes, rate, time left, round) and the measured ones of a
// result (downtime, total time, bytes, rate, rounds). The dialog, the host page's evacuation and
// Activity all show them this one way.
import { MIGRATION_MODES, type MigrateResult, type MigrationJournalView, type MigrationMode, type MigrationPhase } from '../../../../shared/api/migration';
import { migrationFinished, type MigrationTrack } from '../../store/fleetStore';
import { useGuestMigration } from '../../store/useFleet';
import { formatBytes, formatDuration } from '../../widgets/format';

/** A phase in words; where the mode is not known (the feed does not carry it), the switch names both. */
export const PHASE_WORDS: Record<MigrationPhase, string> = {
  preflight: 'pre-flight checks',
  precopy: 'pre-copy (the guest runs)',
  switching: 'switching (source stopping or freezing)',
  finalSync: 'final sync',
  arrived: 'arrived on the target',
  started: 'started on the target',
  verified: 'verified on the target',
  committing: 'committing',
  done: 'done',
  rollingBack: 'rolling back',
  rolledBack: 'rolled back',
  aborted: 'aborted',
};

const SWITCHING_WORDS: Record<MigrationMode, string> = { stop: 'switching (source stopping)', freeze: 'switching (source freezing)' };

/** A phase in words, the switch as the migration's mode makes it when known. */
export function phaseWords(phase: MigrationPhase, mode?: MigrationMode): string {
  return phase === 'switching' && mode ? SWITCHING_WORDS[mode] : PHASE_WORDS[phase];
}

export const MODE_WORDS: Record<MigrationMode, string> = {
  stop: 'stop: the guest\'s own stop sequence, then its start on the target',
  freeze: 'freeze: the cgroup freezer during the final sync (a rollback is a thaw)',
};

/** The mode of a migration or an evacuation, as a labelled select. */
export function ModeField({ mode, onChange }: { mode: MigrationMode; onChange: (mode: MigrationMode) => void }) {
  return (
    <label>
      Mode
      <select aria-label="Mode" value={mode} onChange={(event) => onChange(event.target.value as MigrationMode)}>
        {MIGRATION_MODES.map((entry) => <option key={entry} value={entry}>{MODE_WORDS[entry]}</option>)}
      </select>
    </label>
  );
}

/** The steps of a migration that goes through, in order. */
const FORWARD: readonly MigrationPhase[] = ['precopy', 'switching', 'finalSync', 'arrived', 'started', 'verified', 'committing', 'done'];

export function phaseTone(phase: MigrationPhase): string {
  if (phase === 'done') return 'ok';
  if (phase === 'rolledBack' || phase === 'aborted') return 'bad';
  if (phase === 'rollingBack') return 'warn';
  return 'info';
}

export function PhaseBadge({ phase, mode }: { phase: MigrationPhase; mode?: MigrationMode }) {
  return <span className={`badge tone-${phaseTone(phase)}`}>{phaseWords(phase, mode)}</span>;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond, 'iec')}/s`;
}

/** The transfer rate now, else the last one rsync reported (marked so); undefined before any. */
export function trackRate(track: MigrationTrack): string | undefined {
  if (track.progress.rateBytesPerSecond > 0) return formatRate(track.progress.rateBytesPerSecond);
  return track.lastRateBytesPerSecond !== undefined ? `${formatRate(track.lastRateBytesPerSecond)} (last)` : undefined;
}

/** "lab-1/web → lab-2". */
export function migrationTitle(entry: { host: string; guest: string; to: string }): string {
  return `${entry.host}/${entry.guest} → ${entry.to}`;
}

/** The migration as the core names it when it refuses a change busy: "migration ID of web from lab-1 to lab-2". */
export function migrationName(entry: { migration: string; host: string; guest: string; to: string }): string {
  return `migration ${entry.migration} of ${entry.guest} from ${entry.host} to ${entry.to}`;
}

/** "migrating to lab-2" (or "arriving from lab-1") while a migration holds this guest of this host. */
export function GuestMigrationBadge({ host, guest }: { host: string; guest: string }) {
  const track = useGuestMigration(host, guest);
  if (!track) return null;
  const { progress } = track;
  return <span className="badge tone-info" title={migrationName(progress)}>{progress.host === host ? `migrating to ${progress.to}` : `arriving from ${progress.host}`}</span>;
}

/** The forward steps, each passed, current or to come; a rollback or an abort follows the last step reached, the rest skipped. */
export function PhaseSteps({ track, mode }: { track: MigrationTrack; mode?: MigrationMode }) {
  const phase = track.progress.phase;
  const at = FORWARD.indexOf(phase);
  const turnedBack = at < 0 && phase !== 'preflight';
  const lastReached = Math.max(-1, ...FORWARD.map((step, index) => (track.phases[step] !== undefined ? index : -1)));
  const stateOf = (index: number): string => {
    if (turnedBack) return index <= lastReached ? 'passed' : 'skipped';
    if (index < at || (index === at && phase === 'done')) return 'passed';
    return index === at ? 'current' : 'coming';
  };
  return (
    <ol className="phase-steps" aria-label={`Phases of ${migrationTitle(track.progress)}`}>
      {FORWARD.map((step, index) => (
        <li key={step} className={`phase-step phase-${stateOf(index)}`} aria-current={stateOf(index) === 'current' ? 'step' : undefined}>{phaseWords(step, mode)}</li>
      ))}
      {turnedBack ? <li className={`phase-step phase-current tone-${phaseTone(phase)}`} aria-current="step">{PHASE_WORDS[phase]}</li> : null}
    </ol>
  );
}

/** The feed's latest figures of a running migration. */
export function LiveFigures({ track }: { track: MigrationTrack }) {
  const { progress } = track;
  return (
    <dl className="facts" aria-label={`Progress of ${migrationTitle(progress)}`}>
      <div><dt>Sent</dt><dd className="mono">{formatBytes(progress.bytes, 'iec')}</dd></div>
      <div><dt>Rate</dt><dd className="mono">{trackRate(track) ?? '–'}</dd></div>
      <div><dt>Time left</dt><dd className="mono">{progress.secondsLeft !== undefined && !migrationFinished(track) ? formatDuration(progress.secondsLeft * 1000) : '–'}</dd></div>
      <div><dt>Round</dt><dd className="mono">{progress.round > 0 ? progress.round : '–'}</dd></div>
      {progress.message ? <div><dt>Last step</dt><dd>{progress.message}</dd></div> : null}
    </dl>
  );
}

/** What a finished migration measured: from its result, or from its journal. */
export function MeasuredFigures({ figures, label }: { figures: Pick<MigrateResult, 'downtimeMs'> & Partial<Pick<MigrateResult, 'totalMs' | 'bytesSent' | 'rateBytesPerSecond' | 'rounds'>>; label: string }) {
  return (
    <dl className="facts" aria-label={label}>
      <div><dt>Downtime</dt><dd className="mono">{figures.downtimeMs !== undefined ? formatDuration(figures.downtimeMs) : 'none (the guest was not running)'}</dd></div>
      {figures.totalMs !== undefined ? <div><dt>Total time</dt><dd className="mono">{formatDuration(figures.totalMs)}</dd></div> : null}
      {figures.bytesSent !== undefined ? <div><dt>Sent</dt><dd className="mono">{formatBytes(figures.bytesSent, 'iec')}</dd></div> : null}
      {figures.rateBytesPerSecond !== undefined ? <div><dt>Rate</dt><dd className="mono">{formatRate(figures.rateBytesPerSecond)}</dd></div> : null}
      {figures.rounds !== undefined ? <div><dt>Rounds</dt><dd className="mono">{figures.rounds}</dd></div> : null}
    </dl>
  );
}

/** What a resolution did, for a migration that did not go through (its journal, or its last delta with the note as message). */
export function resolutionOf(entry: Pick<MigrationJournalView, 'phase' | 'note' | 'host' | 'guest' | 'to'>): string | undefined {
  const cause = entry.note?.replace(/^(aborted|rolled back): /, '');
  const because = cause ? ` Cause: ${cause}` : '';
  if (entry.phase === 'aborted') return `aborted before the switch: ${entry.guest} never stopped and stays on ${entry.host}; nothing is left on ${entry.to}.${because}`;
  if (entry.phase === 'rolledBack') return `rolled back: ${entry.guest} is back on ${entry.host}; its copy on ${entry.to} was removed.${because}`;
  return undefined;
}
