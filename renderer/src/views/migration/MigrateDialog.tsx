// "Migrate": the other hosts ranked by headroom (guest.migrationTargets), an unsuitable one greyed
// with its reasons; picking one runs the pre-flight (guest.migrate with checkOnly) and lists every
// check before anything moves; mode, source copy, a port to verify and the context id (prefilled
// with what the pre-flight proposes) as options; Migrate only when no check failed. While it runs,
// the feed's progress (phase, bytes, rate, time left, round); Cancel aborts the call (an abort before
// the switch, a rollback after it). The result: the measured figures and where the guest runs now.
import { useEffect, useMemo, useRef, useState } from 'react';
import { migrateRequestSchema, type MigrateRequest, type MigrateResult, type MigrationMode, type PreflightCheck } from '../../../../shared/api/migration';
import type { FleetApiResult } from '../../../../shared/api/fleetApi';
import { VfleetCallError } from '../../api/vfleetClient';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { routeHref } from '../../app/routes';
import type { OperationHandle } from '../../store/operations';
import { useGuest, useMigrations } from '../../store/useFleet';
import { Dialog } from '../../widgets/Dialog';
import { formatBytes, formatDuration } from '../../widgets/format';
import { FailureNotice, Loading, SuccessNotice } from '../../widgets/Notice';
import { useNow } from '../../widgets/useNow';
import { LiveFigures, MeasuredFigures, ModeField, PhaseBadge, PhaseSteps, phaseWords, resolutionOf } from './migrationFacts';

const CHECK_DELAY_MS = 300;
/** How soon a pre-flight refused busy runs again. */
const BUSY_RETRY_MS = 2_000;

const OUTCOME_TONE: Record<PreflightCheck['outcome'], string> = { ok: 'ok', warning: 'warn', failed: 'bad' };

type Targets = FleetApiResult<'guest.migrationTargets'>;

type Outcome =
  | { kind: 'moved'; result: MigrateResult }
  | { kind: 'failed'; failure: Failure }
  | { kind: 'cancelled' };

/** `before`: nothing has moved yet (the list is what the migration would start from). */
export function PreflightList({ checks, before }: { checks: readonly PreflightCheck[]; before: boolean }) {
  const failed = checks.filter((check) => check.outcome === 'failed').length;
  const warned = checks.filter((check) => check.outcome === 'warning').length;
  return (
    <>
      <p role="status" className={failed > 0 ? 'field-error' : 'muted'}>
        {failed > 0 ? `${failed} of ${checks.length} checks failed: the migration would be refused.` : `${checks.length} checks passed${warned > 0 ? `, ${warned} with a warning` : ''}${before ? '; nothing has moved yet.' : '.'}`}
      </p>
      <ul className="preflight" aria-label="Pre-flight checks">
        {checks.map((check) => (
          <li key={check.check} className={`preflight-${check.outcome}`} aria-label={`${check.check}: ${check.outcome}`}>
            <span className={`badge tone-${OUTCOME_TONE[check.outcome]}`}>{check.outcome}</span>
            <strong>{check.check}</strong>
            <span>{check.detail}</span>
          </li>
        ))}
      </ul>
    </>
  );
}

function TargetList({ targets, to, disabled, onPick }: { targets: Targets; to: string; disabled: boolean; onPick: (host: string) => void }) {
  const best = targets.targets.find((target) => target.suitable)?.host;
  return (
    <fieldset disabled={disabled} className="wizard-step">
      <legend>1. Target host</legend>
      <p className="muted small">
        Ranked by headroom after the guest ({formatBytes(targets.sizeBytes, 'iec')} on disk{targets.memoryNeeded > 0 ? `, memory limit ${formatBytes(targets.memoryNeeded, 'iec')}` : ', no memory limit'}).
      </p>
      {targets.targets.length === 0 ? <p className="field-error">There is no other host in the fleet to move it to.</p> : null}
      <div className="targets" role="radiogroup" aria-label="Target host">
        {targets.targets.map((target) => (
          <label key={target.host} className={`target ${target.suitable ? '' : 'target-unsuitable'} ${to === target.host ? 'target-picked' : ''}`}>
            <span className="target-head">
              <input type="radio" name="migration-target" aria-label={target.host} aria-describedby={`target-${target.host}-reasons`}
                checked={to === target.host} disabled={!target.suitable} onChange={() => onPick(target.host)} />
              <strong>{target.host}</strong>
              {target.host === best ? <span className="badge tone-ok">roomiest</span> : null}
              {!target.suitable ? <span className="badge tone-muted">unsuitable</span> : null}
              <span className="muted small">
                {target.memoryAvailable !== undefined ? `${formatBytes(target.memoryAvailable, 'iec')} memory available` : ''}
                {target.diskFree !== undefined ? `, ${formatBytes(target.diskFree, 'iec')} disk free` : ''}
              </span>
            </span>
            {target.reasons.length > 0 ? (
              <ul id={`target-${target.host}-reasons`} className={`conflicts ${target.suitable ? 'conflicts-warning' : 'conflicts-refusal'}`} aria-label={`Reasons for ${target.host}`}>
                {target.reasons.map((reason) => <li key={reason}>{reason}</li>)}
              </ul>
            ) : null}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function MigrateDialog({ host, guest, onClose }: { host: string; guest: string; onClose: () => void }) {
  const services = useServices();
  const view = useGuest(host, guest);
  // The guest as it was when the dialog opened: after the move this copy is the disabled one.
  const [opened] = useState(() => view);
  const ownXid = opened?.config?.xid;
  const tracks = useMigrations();
  const [targets, setTargets] = useState<Targets | undefined>();
  const [targetsFailure, setTargetsFailure] = useState<Failure | undefined>();
  const [to, setTo] = useState('');
  const [mode, setMode] = useState<MigrationMode>('stop');
  const [keepSource, setKeepSource] = useState(true);
  const [verifyPort, setVerifyPort] = useState('');
  const [xid, setXid] = useState('');
  const [xidTouched, setXidTouched] = useState(false);
  const [check, setCheck] = useState<{ key: string; result: MigrateResult } | undefined>();
  const [checkFailure, setCheckFailure] = useState<{ key: string; busy: boolean; failure: Failure } | undefined>();
  const [running, setRunning] = useState<{ operation: OperationHandle; startedAt: number; to: string } | undefined>();
  /** The migration this dialog started, found in the feed by what it moves and the ids known before it: shown after it ends too. */
  const [followed, setFollowed] = useState<{ known: Set<string>; to: string; mode: MigrationMode } | undefined>();
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const now = useNow(running ? 500 : 60_000);
  const checking = useRef(false);
  /** The request last checked; cleared when a migration ends, so the fleet as it is then is checked again. */
  const checkedKey = useRef<string | undefined>(undefined);
  const [checkDone, setCheckDone] = useState(0);

  useEffect(() => {
    services.client.call('guest.migrationTargets', { host, guest }).then(setTargets, (error: unknown) => setTargetsFailure(describeFailure(`rank the targets for ${host}/${guest}`, error)));
  }, [services.client, host, guest]);

  // The request as typed; the pre-flight runs on it a moment after the last change.
  const request = useMemo(() => migrateRequestSchema.safeParse({
    host, guest, to: to || host, mode, keepSource,
    ...(verifyPort.trim() !== '' ? { verifyPort: Number(verifyPort) } : {}),
    ...(xidTouched && xid.trim() !== '' ? { xid: Number(xid) } : {}),
  }), [host, guest, to, mode, keepSource, verifyPort, xid, xidTouched]);
  const fieldError = (field: string): string | undefined => (request.success ? undefined : request.error.issues.find((issue) => issue.path[0] === field)?.message);
  const portError = verifyPort.trim() !== '' && !/^\d+$/.test(verifyPort.trim()) ? 'a port is a whole number from 1 to 65535' : fieldError('verifyPort');
  const xidError = xidTouched && xid.trim() !== '' && !/^\d+$/.test(xid.trim()) ? 'a context id is a whole number' : fieldError('xid');
  const moved = outcome?.kind === 'moved';
  const key = to !== '' && request.success && !portError && !xidError ? JSON.stringify({ ...request.data, keepSource: undefined }) : undefined;

  // One pre-flight at a time: it holds the guest on both hosts, so a second one meanwhile would be refused busy.
  // The one running re-triggers this when it ends, and the latest request is checked then.
  useEffect(() => {
    if (key === undefined || running || moved) return undefined;
    const timer = setTimeout(() => {
      if (checking.current || checkedKey.current === key) return;
      checking.current = true;
      checkedKey.current = key;
      const params = JSON.parse(key) as MigrateRequest;
      services.client.call('guest.migrate', { ...params, checkOnly: true }).then((result) => {
        setCheck({ key, result });
        setCheckFailure(undefined);
      }, (error: unknown) => {
        const busy = error instanceof VfleetCallError && error.error.kind === 'busy';
        setCheckFailure({ key, busy, failure: describeFailure(`run the pre-flight checks to ${params.to}`, error) });
        // The checks this request had before (e.g. before a migration that failed) say nothing about now.
        setCheck((previous) => (previous?.key === key ? undefined : previous));
        // Busy (a change to the guest, or a pre-flight this page started before, holds it): the same request again shortly.
        if (busy) {
          setTimeout(() => {
            if (checkedKey.current !== key) return;
            checkedKey.current = undefined;
            setCheckDone((count) => count + 1);
          }, BUSY_RETRY_MS);
        }
      }).finally(() => {
        checking.current = false;
        setCheckDone((count) => count + 1);
      });
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [key, running, moved, checkDone, services.client]);
  useEffect(() => {
    if (check && !xidTouched) setXid(String(check.result.xid));
  }, [check, xidTouched]);

  const current = check && key !== undefined && check.key === key ? check.result : undefined;
  const currentFailure = checkFailure && key !== undefined && checkFailure.key === key ? checkFailure.failure : undefined;
  const failedChecks = current?.preflight.filter((entry) => entry.outcome === 'failed') ?? [];
  const canMigrate = current !== undefined && failedChecks.length === 0 && !running && request.success;
  const track = followed ? tracks.find((entry) => !followed.known.has(entry.progress.migration) && entry.progress.host === host && entry.progress.guest === guest && entry.progress.to === followed.to) : undefined;

  const migrate = async (): Promise<void> => {
    if (!canMigrate || !request.success) return;
    const target = request.data.to;
    const operation = services.operations.start(`Migrate ${host}/${guest} to ${target}`, { cancellable: true });
    setFollowed({ known: new Set(tracks.map((entry) => entry.progress.migration)), to: target, mode: request.data.mode });
    setRunning({ operation, startedAt: Date.now(), to: target });
    setOutcome(undefined);
    try {
      const result = await services.client.call('guest.migrate', { ...request.data, checkOnly: false }, { signal: operation.signal });
      operation.succeed();
      setOutcome({ kind: 'moved', result });
    } catch (error) {
      operation.fail(error);
      if (error instanceof VfleetCallError && error.error.kind === 'cancelled') setOutcome({ kind: 'cancelled' });
      else {
        const failure = describeFailure(`migrate ${host}/${guest} to ${target}`, error);
        // A failed migration was resolved (or is pending): what vfleet did shows below, rather than the generic advice.
        const resolved = error instanceof VfleetCallError && error.error.kind === 'failed';
        setOutcome({ kind: 'failed', failure: resolved ? { ...failure, hint: 'If it had begun moving, what vfleet did about it is below and in the migration journal (Activity). Fix the cause, then migrate again.' } : failure });
      }
    }
    checkedKey.current = undefined;
    setRunning(undefined);
  };

  const disabled = running !== undefined || moved;
  return (
    <Dialog title={`Migrate ${guest} from ${host}`} onClose={() => (running ? undefined : onClose())} className="dialog-wide">
      <form className="wizard" onSubmit={(event) => {
        event.preventDefault();
        void migrate();
      }}>
        <p className="muted">
          {guest} {opened?.state === 'running' ? 'runs' : 'is stopped'} on {host}{ownXid !== undefined ? ` at context ${ownXid}` : ''}. It is copied while it runs; it stops (or freezes) only for the final sync, then starts on the target.
        </p>
        {targetsFailure ? <FailureNotice failure={targetsFailure} /> : null}
        {!targets && !targetsFailure ? <Loading what="the target hosts" /> : null}
        {targets ? <TargetList targets={targets} to={to} disabled={disabled} onPick={(host) => {
          setTo(host);
          setOutcome(undefined);
        }} /> : null}

        <fieldset disabled={disabled} className="wizard-step">
          <legend>2. Options</legend>
          <div className="wizard-row">
            <ModeField mode={mode} onChange={setMode} />
            <label>
              TCP port to verify (optional)
              <input aria-label="TCP port to verify" className={`narrow mono ${portError ? 'invalid' : ''}`} value={verifyPort} inputMode="numeric" placeholder="none"
                aria-describedby="migrate-port-error" onChange={(event) => setVerifyPort(event.target.value)} />
              {portError ? <span id="migrate-port-error" className="field-error">{portError}</span> : null}
            </label>
            <label>
              Context id on the target
              <input aria-label="Context id on the target" className={`narrow mono ${xidError || failedChecks.some((entry) => entry.check === 'xid') ? 'invalid' : ''}`} value={xid} inputMode="numeric" aria-describedby="migrate-xid-note"
                onChange={(event) => {
                  setXidTouched(true);
                  setXid(event.target.value);
                }} />
              <span id="migrate-xid-note" className={xidError ? 'field-error' : 'muted small'}>
                {xidError ?? (xidTouched ? 'as typed; the pre-flight checks it' : current ? (ownXid !== undefined && current.xid !== ownXid ? `${ownXid} is taken on ${current.to}: ${current.xid} proposed` : 'the guest\'s own, free there') : 'proposed by the pre-flight')}
              </span>
            </label>
          </div>
          <label className="check">
            <input type="checkbox" checked={keepSource} onChange={(event) => setKeepSource(event.target.checked)} />
            Keep the disabled copy on {host} as a backup (else it is removed once the target is verified)
          </label>
        </fieldset>

        <section className="wizard-step" aria-label="Pre-flight">
          <h3>3. Pre-flight{current ? ` to ${current.to}` : ''}</h3>
          {to === '' ? <p className="muted">Pick a target host: its checks run before anything moves.</p> : null}
          {currentFailure ? <FailureNotice failure={currentFailure} /> : null}
          {currentFailure && checkFailure?.busy ? <p className="muted small" role="status">The pre-flight runs again by itself every {BUSY_RETRY_MS / 1000} s while the guest is busy.</p> : null}
          {!current && !currentFailure && key !== undefined ? <Loading what={`the pre-flight checks on ${host} and ${to}`} /> : null}
          {current ? <PreflightList checks={current.preflight} before={!track && !outcome} /> : null}
        </section>

        {track ? (
          <section className="wizard-step migration-live" aria-label="Migration progress">
            <h3>Progress <PhaseBadge phase={track.progress.phase} mode={followed?.mode} /></h3>
            <PhaseSteps track={track} mode={followed?.mode} />
            <LiveFigures track={track} />
          </section>
        ) : null}
        {outcome?.kind === 'moved' ? (
          <SuccessNotice>
            <div>
              <strong>
                {guest} now runs on <a href={routeHref({ view: 'guest', host: outcome.result.to, guest })} onClick={onClose}>{outcome.result.to}</a> at context {outcome.result.xid}
              </strong>
              <p>
                The copy on {host} is disabled{outcome.result.sourceKept ? ' and kept as a backup' : ' and removed'}.
                {outcome.result.announced.length > 0 ? ` Announced ${outcome.result.announced.map((entry) => `${entry.ip} on ${entry.device}`).join(', ')}.` : ''}
              </p>
              <MeasuredFigures label={`Measured migration of ${guest}`} figures={outcome.result} />
            </div>
          </SuccessNotice>
        ) : null}
        {outcome?.kind === 'failed' ? <FailureNotice failure={outcome.failure} /> : null}
        {outcome && outcome.kind !== 'moved' && track ? (
          <p className="notice notice-warn" role="status">
            {outcome.kind === 'cancelled' ? 'Cancelled. ' : ''}What vfleet did: {resolutionOf({ ...track.progress, ...(track.progress.message ? { note: track.progress.message } : {}) }) ?? `nothing final yet: it stopped at ${phaseWords(track.progress.phase, followed?.mode)}, and the resolver finishes it when both hosts answer (see Activity)`}
          </p>
        ) : null}
        {outcome?.kind === 'cancelled' && !track ? <p className="notice notice-warn" role="status">The migration was cancelled before it began moving anything.</p> : null}

        <div className="toolbar wizard-actions">
          {running ? (
            <>
              <span role="status">Migrating {guest} to {running.to}… running for {formatDuration(Math.max(0, now - running.startedAt))}</span>
              <button type="button" className="danger" onClick={() => running.operation.cancel()}>Cancel migration</button>
            </>
          ) : (
            <>
              {outcome?.kind === 'moved' ? null : <button type="submit" className="primary" disabled={!canMigrate}>{to ? `Migrate to ${to}` : 'Migrate'}</button>}
              <button type="button" onClick={onClose}>Close</button>
            </>
          )}
        </div>
        {running ? <p className="muted small">Cancel before the switch aborts (the guest never stopped, nothing is left on the target); after it, vfleet rolls back to {host}.</p> : null}
      </form>
    </Dialog>
  );
}
