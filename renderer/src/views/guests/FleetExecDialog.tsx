// "Run a command in the selected guests": one fleet.exec per host of the selection (so exactly the
// selected guests run it), all at once, cancellable; a grid of every target's exit code, output
// and duration, filterable to the failures.
import { useMemo, useState } from 'react';
import type { OperationHandle } from '../../store/operations';
import type { ExecOutcome, GuestRef } from '../../../../shared/api/guestActions';
import { VfleetCallError } from '../../api/vfleetClient';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { Dialog } from '../../widgets/Dialog';
import { formatDuration } from '../../widgets/format';
import { FailureNotice } from '../../widgets/Notice';
import { GuestResultsTable } from '../../widgets/GuestResultsTable';

const TIMEOUT_MS = 300_000;

function failed(outcome: ExecOutcome): boolean {
  return outcome.error !== undefined || outcome.exitCode !== 0;
}

export function FleetExecDialog({ targets, onClose }: { targets: readonly GuestRef[]; onClose: () => void }) {
  const services = useServices();
  const [command, setCommand] = useState('');
  const [running, setRunning] = useState<OperationHandle | undefined>();
  const [results, setResults] = useState<ExecOutcome[]>([]);
  const [unmatched, setUnmatched] = useState<string[]>([]);
  const [failures, setFailures] = useState<Failure[]>([]);
  const [onlyFailures, setOnlyFailures] = useState(false);
  const [inputError, setInputError] = useState<string | undefined>();
  const byHost = useMemo(() => {
    const groups = new Map<string, string[]>();
    for (const target of targets) groups.set(target.host, [...(groups.get(target.host) ?? []), target.guest]);
    return groups;
  }, [targets]);

  const run = async (): Promise<void> => {
    if (command.trim() === '') {
      setInputError('Type the command to run (it runs as sh -c COMMAND in each guest).');
      return;
    }
    setInputError(undefined);
    setResults([]);
    setUnmatched([]);
    setFailures([]);
    const operation = services.operations.start(`Run “${command}” in ${targets.length} guests`, { total: targets.length, cancellable: true });
    setRunning(operation);
    let done = 0;
    const started = Date.now();
    await Promise.all([...byHost.entries()].map(async ([host, guests]) => {
      try {
        const result = await services.client.call('fleet.exec', {
          hosts: [host], guests, state: 'any', argv: ['sh', '-c', command], timeoutMs: TIMEOUT_MS,
        }, { signal: operation.signal });
        setResults((list) => [...list, ...result.results].sort((a, b) => `${a.host}/${a.guest}`.localeCompare(`${b.host}/${b.guest}`)));
        setUnmatched((list) => [...list, ...result.unmatched]);
        done += result.results.length;
      } catch (error) {
        if (error instanceof VfleetCallError && error.error.kind === 'cancelled') {
          // The core stopped this host's commands; each target shows that it did not finish.
          const durationMs = Date.now() - started;
          const cancelled = guests.map((guest) => ({ host, guest, stdout: '', stderr: '', error: 'cancelled before it finished', durationMs }));
          setResults((list) => [...list, ...cancelled].sort((a, b) => `${a.host}/${a.guest}`.localeCompare(`${b.host}/${b.guest}`)));
        } else setFailures((list) => [...list, describeFailure(`run the command on ${host}`, error)]);
        done += guests.length;
      }
      operation.progress(done);
    }));
    if (operation.signal.aborted) operation.fail(new DOMException('cancelled', 'AbortError'));
    else operation.succeed();
    setRunning(undefined);
  };
  const ok = results.filter((outcome) => !failed(outcome)).length;
  const shown = onlyFailures ? results.filter(failed) : results;
  return (
    <Dialog title={`Run a command in ${targets.length} selected guest${targets.length === 1 ? '' : 's'}`} onClose={onClose} className="dialog-wide">
      <p className="muted">Targets: {targets.map((target) => `${target.host}/${target.guest}`).join(', ')}</p>
      <form
        className="exec-form"
        onSubmit={(event) => {
          event.preventDefault();
          void run();
        }}
      >
        <label>
          Command
          <input className="mono" value={command} onChange={(event) => setCommand(event.target.value)} placeholder="uptime; df -h /" autoFocus aria-describedby="exec-help" />
        </label>
        <button type="submit" className="primary" disabled={running !== undefined}>{running ? 'Running…' : 'Run'}</button>
        {running ? <button type="button" onClick={() => running.cancel()}>Cancel</button> : null}
      </form>
      <p id="exec-help" className="muted">Runs as <code>sh -c COMMAND</code> in each guest, stopped ones report that they are stopped. Time limit {formatDuration(TIMEOUT_MS)}.</p>
      {inputError ? <p className="field-error" role="alert">{inputError}</p> : null}
      {failures.map((failure, index) => <FailureNotice key={index} failure={failure} />)}
      {unmatched.length > 0 ? <p className="field-error">Matched nothing: {unmatched.join('; ')}</p> : null}
      {results.length > 0 ? (
        <section aria-label="Results">
          <div className="toolbar">
            <strong role="status">{ok} of {results.length} succeeded</strong>
            <label className="check">
              <input type="checkbox" checked={onlyFailures} onChange={(event) => setOnlyFailures(event.target.checked)} />
              Only failures
            </label>
          </div>
          <GuestResultsTable className="exec-results" caption="Command results per guest" columns={['Guest', { label: 'Exit', numeric: true }, { label: 'Duration', numeric: true }, 'Output']}
            rows={shown.map((outcome) => ({
              key: `${outcome.host}/${outcome.guest}`,
              guest: `${outcome.host}/${outcome.guest}`,
              failed: failed(outcome),
              cells: (
                <>
                  <td className="num mono">{outcome.exitCode ?? '–'}</td>
                  <td className="num">{formatDuration(outcome.durationMs)}</td>
                  <td>
                    {outcome.error ? <p className="field-error">{outcome.error}</p> : null}
                    {outcome.stdout ? <pre className="output">{outcome.stdout}</pre> : null}
                    {outcome.stderr ? <pre className="output stderr" aria-label="Standard error">{outcome.stderr}</pre> : null}
                    {!outcome.error && !outcome.stdout && !outcome.stderr ? <span className="muted">no output</span> : null}
                  </td>
                </>
              ),
            }))} />
        </section>
      ) : null}
    </Dialog>
  );
}
