// Activity's migrations: every migration of this core the feed reported since the page loaded
// (phase, bytes, rate, time left, round, live), and the journal (migrations.list) with the
// unfinished ones highlighted and "Resolve now" (migrations.resolve) for them.
import { useCallback, useEffect, useState } from 'react';
import type { MigrationJournalView } from '../../../../shared/api/migration';
import { FINAL_MIGRATION_PHASES } from '../../../../shared/api/migration';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { routeHref } from '../../app/routes';
import { migrationFinished } from '../../store/fleetStore';
import { useMigrations } from '../../store/useFleet';
import { ColumnHeads } from '../../widgets/ColumnHeads';
import { formatBytes, formatDateTime, formatDuration } from '../../widgets/format';
import { EmptyState, FailureNotice, Loading } from '../../widgets/Notice';
import { migrationTitle, PhaseBadge, trackRate } from '../migration/migrationFacts';

function LiveMigrations() {
  const tracks = useMigrations();
  return (
    <section className="panel" aria-label="Migrations">
      {/* Not "running": a migration whose switch failed and waits for its resolution is unfinished without running. */}
      <h2>Migrations <span className="muted">({tracks.filter((track) => !migrationFinished(track)).length} unfinished)</span></h2>
      {tracks.length === 0 ? (
        <EmptyState title="No migration since this page opened">Migrations this core runs (from a guest's page or a host's evacuation, in any window on this core) show here with their progress; the journal below also holds those of the CLI.</EmptyState>
      ) : (
        <table className="table table-dense table-nowrap">
          <ColumnHeads columns={['Migration', 'Phase', { label: 'Sent', numeric: true }, { label: 'Rate', numeric: true }, { label: 'Time left', numeric: true }, { label: 'Round', numeric: true }, 'Started', 'Last step']} />
          <tbody>
            {tracks.map((track) => ({ ...track, rate: trackRate(track) })).map(({ progress, firstSeen, rate }) => (
              <tr key={progress.migration} className={progress.phase === 'rolledBack' || progress.phase === 'aborted' ? 'row-failed' : ''}>
                <th scope="row">
                  <a href={routeHref({ view: 'guest', host: progress.phase === 'done' ? progress.to : progress.host, guest: progress.guest })}>{migrationTitle(progress)}</a>
                </th>
                <td><PhaseBadge phase={progress.phase} /></td>
                <td className="num mono">{formatBytes(progress.bytes, 'iec')}</td>
                <td className="num mono">{rate ?? '–'}</td>
                <td className="num mono">{progress.secondsLeft !== undefined && !FINAL_MIGRATION_PHASES.includes(progress.phase) ? formatDuration(progress.secondsLeft * 1000) : '–'}</td>
                <td className="num mono">{progress.round || '–'}</td>
                <td>{formatDateTime(firstSeen)}</td>
                <td className="detail" title={progress.message}>{progress.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Journal() {
  const { client } = useServices();
  const tracks = useMigrations();
  const [journals, setJournals] = useState<MigrationJournalView[] | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const [resolving, setResolving] = useState(false);
  const finishedCount = tracks.filter(migrationFinished).length;
  const read = useCallback(async () => {
    try {
      setJournals(await client.call('migrations.list', {}));
      setFailure(undefined);
    } catch (error) {
      setFailure(describeFailure('read the migration journal', error));
    }
  }, [client]);
  // Read again whenever a migration of this core finishes: its journal is final then.
  useEffect(() => {
    void read();
  }, [read, finishedCount]);
  const resolve = async (): Promise<void> => {
    setResolving(true);
    try {
      setJournals(await client.call('migrations.resolve', {}));
      setFailure(undefined);
    } catch (error) {
      setFailure(describeFailure('resolve the unfinished migrations', error));
    }
    setResolving(false);
  };
  const shown = [...(journals ?? [])].sort((a, b) => b.startedAt - a.startedAt);
  const unfinished = shown.filter((journal) => !FINAL_MIGRATION_PHASES.includes(journal.phase));
  return (
    <section className="panel" aria-label="Migration journal">
      <h2>Migration journal {unfinished.length > 0 ? <span className="badge tone-warn">{unfinished.length} unfinished</span> : null}</h2>
      <div className="toolbar">
        <button type="button" className={unfinished.length > 0 ? 'primary' : ''} disabled={resolving} onClick={() => void resolve()}>{resolving ? 'Resolving…' : 'Resolve now'}</button>
        <button type="button" onClick={() => void read()}>Read again</button>
        <span className="muted small">An unfinished migration is rolled back before its target is verified, finished after; vfleet retries by itself every few seconds while a host does not answer.</span>
      </div>
      {failure ? <FailureNotice failure={failure} /> : null}
      {!journals ? (failure ? null : <Loading what="the migration journal" />) : shown.length === 0 ? (
        <EmptyState title="No journaled migration">Every migration is journaled on this workstation before each phase acts, and kept as history.</EmptyState>
      ) : (
        <div className="scroll-box">
          <table className="table table-dense table-nowrap">
            <ColumnHeads columns={['Migration', 'Guest', 'Mode', 'Phase', { label: 'Downtime', numeric: true }, { label: 'Sent', numeric: true }, 'Started', 'Updated', 'Note']} />
            <tbody>
              {shown.map((journal) => {
                const open = !FINAL_MIGRATION_PHASES.includes(journal.phase);
                return (
                  <tr key={journal.migration} className={open ? 'row-unfinished' : journal.phase === 'done' ? '' : 'row-failed'}>
                    <th scope="row" className="mono">{journal.migration}</th>
                    <td>{migrationTitle(journal)}</td>
                    <td>{journal.mode}</td>
                    <td><PhaseBadge phase={journal.phase} mode={journal.mode} />{open ? <span className="badge tone-warn">unfinished</span> : null}</td>
                    <td className="num mono">{journal.downtimeMs !== undefined ? formatDuration(journal.downtimeMs) : '–'}</td>
                    <td className="num mono">{journal.bytesSent !== undefined ? formatBytes(journal.bytesSent, 'iec') : '–'}</td>
                    <td>{formatDateTime(journal.startedAt)}</td>
                    <td>{formatDateTime(journal.updatedAt)}</td>
                    <td className="detail" title={journal.note}>{journal.note ?? ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function MigrationsPanel() {
  return (
    <>
      <LiveMigrations />
      <Journal />
    </>
  );
}
