// "Evacuate host…" on a host page: mode, parallel migrations (1–8), keep or remove the source
// copies; a confirmation naming the guests that go (the core places each on the roomiest host that
// can take it as it goes, so no plan is shown); while it runs one row per guest fed by the feed's
// migration deltas, and Stop (the call's cancel: the core lets the running migrations finish and
// starts no other); the result per guest: moved to a host with its downtime, stayed with the
// reason, or failed with what the resolution did. After a stop the rows come from the journal.
import { useState } from 'react';
import { evacuateRequestSchema, type EvacuateResult, type MigrationJournalView, type MigrationMode } from '../../../../shared/api/migration';
import { VfleetCallError } from '../../api/vfleetClient';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { routeHref } from '../../app/routes';
import { migrationFinished, type MigrationTrack } from '../../store/fleetStore';
import type { OperationHandle } from '../../store/operations';
import { useHostGuests, useMigrations } from '../../store/useFleet';
import { GuestResultsTable } from '../../widgets/GuestResultsTable';
import { Dialog } from '../../widgets/Dialog';
import { formatBytes, formatDuration } from '../../widgets/format';
import { FailureNotice } from '../../widgets/Notice';
import { useNow } from '../../widgets/useNow';
import { ModeField, PhaseBadge, resolutionOf, trackRate } from './migrationFacts';

type GuestOutcome = EvacuateResult['guests'][number];

const OUTCOME_TONE: Record<GuestOutcome['outcome'], string> = { moved: 'ok', stayed: 'muted', failed: 'bad' };

/** The per-guest outcome after a stop, from the journals of the migrations this evacuation started. */
function outcomeAfterStop(guest: string, track: MigrationTrack | undefined, journals: readonly MigrationJournalView[]): GuestOutcome {
  if (!track) return { guest, outcome: 'stayed', reason: 'not moved: the evacuation was stopped before its turn (or no host could take it)' };
  const journal = journals.find((entry) => entry.migration === track.progress.migration);
  const to = track.progress.to;
  if (journal?.phase === 'done') return { guest, outcome: 'moved', to, migration: journal.migration, ...(journal.downtimeMs !== undefined ? { downtimeMs: journal.downtimeMs } : {}) };
  const resolution = journal ? resolutionOf(journal) : undefined;
  return { guest, outcome: 'failed', to, migration: track.progress.migration, reason: resolution ?? `unfinished (${journal?.phase ?? track.progress.phase}): vfleet resolves it when both hosts answer` };
}

function ResultCell({ outcome }: { outcome: GuestOutcome }) {
  return <span className={`badge tone-${OUTCOME_TONE[outcome.outcome]}`}>{outcome.outcome}</span>;
}

export function EvacuateDialog({ host, onClose }: { host: string; onClose: () => void }) {
  const services = useServices();
  const guests = useHostGuests(host);
  const tracks = useMigrations();
  const [mode, setMode] = useState<MigrationMode>('stop');
  const [parallel, setParallel] = useState('2');
  const [keepSource, setKeepSource] = useState(true);
  const [confirming, setConfirming] = useState<string[] | undefined>();
  const [running, setRunning] = useState<{ operation: OperationHandle; startedAt: number; known: Set<string>; guests: string[]; stopping: boolean } | undefined>();
  const [result, setResult] = useState<{ guests: GuestOutcome[]; stopped: boolean; names: string[] } | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const now = useNow(running ? 500 : 60_000);
  const request = evacuateRequestSchema.safeParse({ host, mode, parallel: /^\d+$/.test(parallel.trim()) ? Number(parallel) : parallel, keepSource });
  const parallelError = request.success ? undefined : request.error.issues.find((issue) => issue.path[0] === 'parallel') ? 'from 1 to 8 migrations at once' : request.error.issues[0]?.message;

  const trackOf = (guest: string, known: ReadonlySet<string>): MigrationTrack | undefined =>
    tracks.find((entry) => !known.has(entry.progress.migration) && entry.progress.host === host && entry.progress.guest === guest);

  const evacuate = async (names: string[]): Promise<void> => {
    if (!request.success) return;
    const operation = services.operations.start(`Evacuate ${host}`, { cancellable: true });
    const known = new Set(tracks.map((entry) => entry.progress.migration));
    setConfirming(undefined);
    setFailure(undefined);
    setResult(undefined);
    setRunning({ operation, startedAt: Date.now(), known, guests: names, stopping: false });
    try {
      const done = await services.client.call('host.evacuate', request.data, { signal: operation.signal });
      operation.succeed();
      setResult({ guests: done.guests, stopped: done.stopped, names });
    } catch (error) {
      operation.fail(error);
      if (error instanceof VfleetCallError && error.error.kind === 'cancelled') {
        // The core answers a stopped evacuation only once its running migrations ended; their journals say how.
        const journals = await services.client.call('migrations.list', {}).catch(() => [] as MigrationJournalView[]);
        const seen = services.store.migrationTracks();
        const started = (guest: string): MigrationTrack | undefined => seen.find((entry) => !known.has(entry.progress.migration) && entry.progress.host === host && entry.progress.guest === guest);
        setResult({ guests: names.map((guest) => outcomeAfterStop(guest, started(guest), journals)), stopped: true, names });
      } else {
        setFailure(describeFailure(`evacuate ${host}`, error));
      }
    }
    setRunning(undefined);
  };

  const rows = running?.guests ?? result?.names ?? [];
  return (
    <Dialog title={`Evacuate ${host}`} onClose={() => (running ? undefined : onClose())} className="dialog-wide">
      <form className="wizard" onSubmit={(event) => {
        event.preventDefault();
        if (request.success) setConfirming(guests.map((guest) => guest.name));
      }}>
        <p className="muted">Every guest of {host} is migrated to the roomiest other host that can take it, for maintenance of {host}. A guest no host can take stays where it is, named with each host's reason.</p>
        <fieldset disabled={running !== undefined || confirming !== undefined} className="wizard-step">
          <legend>Options</legend>
          <div className="wizard-row">
            <ModeField mode={mode} onChange={setMode} />
            <label>
              Migrations at once (1–8)
              <input aria-label="Migrations at once" type="number" min={1} max={8} className={`narrow mono ${parallelError ? 'invalid' : ''}`} value={parallel}
                aria-describedby="evacuate-parallel-error" onChange={(event) => setParallel(event.target.value)} />
              {parallelError ? <span id="evacuate-parallel-error" className="field-error">{parallelError}</span> : null}
            </label>
          </div>
          <label className="check">
            <input type="checkbox" checked={keepSource} onChange={(event) => setKeepSource(event.target.checked)} />
            Keep the disabled copies on {host} as backups (else each is removed once its target is verified)
          </label>
        </fieldset>

        {confirming ? (
          <div className="notice notice-warn evacuate-confirm" role="group" aria-label={`Evacuate ${host}?`}>
            <span>
              {confirming.length === 0
                ? `${host} has no guests: there is nothing to move.`
                : `Move ${confirming.length === 1 ? 'this guest' : `these ${confirming.length} guests`} off ${host}: ${confirming.join(', ')}? Each goes to the roomiest host that can take it once its turn comes, ${request.success ? request.data.parallel : 2} at a time, in ${mode} mode.`}
            </span>
            <span className="toolbar">
              <button type="button" className="danger" disabled={confirming.length === 0} onClick={() => void evacuate(confirming)}>Yes, evacuate {host}</button>
              <button type="button" onClick={() => setConfirming(undefined)}>No</button>
            </span>
          </div>
        ) : null}

        {rows.length > 0 && (running || result) ? (
          <section className="wizard-step" aria-label="Guests of the evacuation">
            <h3>{running ? (running.stopping ? 'Stopping: the running migrations finish, no other starts' : 'Evacuating') : result?.stopped ? 'Stopped' : 'Result'}</h3>
            <GuestResultsTable className="table-dense" columns={['Guest', 'State', 'Target', { label: 'Downtime', numeric: true }, 'Detail']}
              rows={rows.map((name) => {
                const done = result?.guests.find((entry) => entry.guest === name);
                const track = running ? trackOf(name, running.known) : undefined;
                const to = done?.to ?? track?.progress.to;
                return {
                  key: name,
                  guest: name,
                  failed: done?.outcome === 'failed',
                  cells: (
                    <>
                      <td>{done ? <ResultCell outcome={done} /> : track ? <PhaseBadge phase={track.progress.phase} mode={mode} /> : <span className="badge tone-muted">waiting</span>}</td>
                      <td>{to ? (done?.outcome === 'moved' ? <a href={routeHref({ view: 'guest', host: to, guest: name })} onClick={onClose}>{to}</a> : to) : '–'}</td>
                      <td className="num mono">{done?.downtimeMs !== undefined ? formatDuration(done.downtimeMs) : '–'}</td>
                      <td>
                        {done ? (done.outcome === 'moved' ? `moved to ${done.to ?? '?'}${done.downtimeMs !== undefined ? ` with ${formatDuration(done.downtimeMs)} downtime` : ''}` : done.reason ?? '')
                          : track && !migrationFinished(track) ? `${formatBytes(track.progress.bytes, 'iec')} sent${trackRate(track) ? ` at ${trackRate(track) ?? ''}` : ''}${track.progress.round > 0 ? `, round ${track.progress.round}` : ''}`
                            : track ? (track.progress.message ?? '') : 'waits for its turn'}
                      </td>
                    </>
                  ),
                };
              })} />
          </section>
        ) : null}
        {failure ? <FailureNotice failure={failure} /> : null}

        <div className="toolbar wizard-actions">
          {running ? (
            <>
              <span role="status">Evacuating {host}… running for {formatDuration(Math.max(0, now - running.startedAt))}</span>
              <button type="button" className="danger" disabled={running.stopping} onClick={() => {
                setRunning({ ...running, stopping: true });
                running.operation.cancel();
              }}>Stop</button>
            </>
          ) : (
            <>
              {result || confirming ? null : <button type="submit" className="primary" disabled={!request.success}>Evacuate {host}…</button>}
              <button type="button" onClick={onClose}>Close</button>
            </>
          )}
        </div>
      </form>
    </Dialog>
  );
}
