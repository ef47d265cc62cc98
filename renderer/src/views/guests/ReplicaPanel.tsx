// A guest's replicas (docs/architecture.md, "Replicas and failover"): each replication of this guest
// with its replica's host, role, generation, age (the data a failover would lose), size, last result
// and staleness, read from replicas.list when the panel opens and every 10 s; "Replicate to…" while
// the guest has no active replication; and, while this guest's host is down, "Restart on HOST2 (data
// N old)" with a confirmation, or why it cannot be restarted elsewhere.
import { useCallback, useEffect, useState } from 'react';
import { formatAge, type ReplicaView } from '../../../../shared/api/replication';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { useHosts } from '../../store/useFleet';
import { Dialog } from '../../widgets/Dialog';
import { formatBytes } from '../../widgets/format';
import { EmptyState, FailureNotice, Loading, SuccessNotice } from '../../widgets/Notice';

const READ_EVERY_MS = 10_000;

function FailoverDialog({ replica, onClose, onDone }: { replica: ReplicaView; onClose: () => void; onDone: (message: string) => void }) {
  const services = useServices();
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    const operation = services.operations.start(`Restart ${replica.host}/${replica.guest} on ${replica.to}`);
    try {
      const result = await services.client.call('guest.failover', { host: replica.host, guest: replica.guest, to: replica.to });
      operation.succeed();
      onDone(`${replica.guest} runs on ${result.to} (generation ${result.generation}); its data was ${result.dataAgeMs !== undefined ? formatAge(result.dataAgeMs) : 'of unknown age'} old.`);
    } catch (error) {
      operation.fail(error);
      setFailure(describeFailure(`restart ${replica.guest} on ${replica.to}`, error));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Restart ${replica.guest} on ${replica.to}`} onClose={onClose}>
      <p>
        The replica on {replica.to} becomes the guest: it takes the autostart mark and the guest&apos;s addresses, and starts.
        What changed on {replica.host} since its last sync{replica.ageMs !== undefined ? ` (${formatAge(replica.ageMs)} ago)` : ''} is not in it.
        {' '}{replica.host}&apos;s copy is disabled when {replica.host} is back and never starts again by itself.
      </p>
      {failure ? <FailureNotice failure={failure} /> : null}
      <div className="toolbar">
        <button type="button" className="danger" disabled={busy} onClick={() => void confirm()}>{busy ? 'Restarting…' : `Restart on ${replica.to}`}</button>
        <button type="button" onClick={onClose}>Cancel</button>
      </div>
    </Dialog>
  );
}

function ReplicateForm({ host, guest, onDone }: { host: string; guest: string; onDone: () => void }) {
  const services = useServices();
  const targets = useHosts().filter((entry) => entry.name !== host && entry.connection === 'connected');
  const [to, setTo] = useState('');
  const [minutes, setMinutes] = useState('15');
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);
  const chosen = to || targets[0]?.name || '';
  const submit = async (): Promise<void> => {
    setBusy(true);
    const operation = services.operations.start(`Replicate ${host}/${guest} to ${chosen}`);
    try {
      await services.client.call('guest.replicate', { host, guest, to: chosen, intervalMs: Math.round(Number(minutes) * 60_000) });
      operation.succeed();
      setFailure(undefined);
      onDone();
    } catch (error) {
      operation.fail(error);
      setFailure(describeFailure(`replicate ${host}/${guest} to ${chosen}`, error));
    }
    setBusy(false);
  };
  if (targets.length === 0) return <p className="muted">No other connected host can hold a replica.</p>;
  return (
    <form className="toolbar" onSubmit={(event) => { event.preventDefault(); void submit(); }}>
      <label>
        <span>Replicate to</span>
        <select value={chosen} onChange={(event) => setTo(event.target.value)}>
          {targets.map((entry) => <option key={entry.name} value={entry.name}>{entry.name}</option>)}
        </select>
      </label>
      <label>
        <span>every (minutes)</span>
        <input value={minutes} onChange={(event) => setMinutes(event.target.value)} inputMode="decimal" size={4} />
      </label>
      <button type="submit" disabled={busy || !(Number(minutes) > 0)}>{busy ? 'Replicating…' : `Replicate to ${chosen}`}</button>
      {failure ? <FailureNotice failure={failure} /> : null}
    </form>
  );
}

export function ReplicaPanel({ host, guest, hostDown }: { host: string; guest: string; hostDown: boolean }) {
  const services = useServices();
  const [replicas, setReplicas] = useState<ReplicaView[] | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const [confirming, setConfirming] = useState<ReplicaView | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const read = useCallback(async () => {
    try {
      const all = await services.client.call('replicas.list', {});
      setReplicas(all.filter((view) => view.guest === guest && (view.host === host || view.to === host)));
      setFailure(undefined);
    } catch (error) {
      setFailure(describeFailure(`list the replicas of ${host}/${guest}`, error));
    }
  }, [services, host, guest]);
  useEffect(() => {
    void read();
    const timer = setInterval(() => { void read(); }, READ_EVERY_MS);
    return () => clearInterval(timer);
  }, [read]);
  if (!replicas) return failure ? <FailureNotice failure={failure} /> : <Loading what="replicas" />;
  const ofThisCopy = replicas.filter((view) => view.host === host);
  const standby = ofThisCopy.filter((view) => view.role === 'replica');
  const promoted = ofThisCopy.find((view) => view.role === 'promoted');
  const active = ofThisCopy.some((view) => view.state === 'active' || view.role === 'replica');
  return (
    <div className="replicas">
      {failure ? <FailureNotice failure={failure} /> : null}
      {done ? <SuccessNotice>{done}</SuccessNotice> : null}
      {replicas.length > 0 ? (
        <table className="table table-dense">
          <thead><tr><th>Copy on</th><th>Of</th><th>Role</th><th>Generation</th><th>Every</th><th>Age</th><th>Size</th><th>Last sync</th><th>Stale</th></tr></thead>
          <tbody>
            {replicas.map((view) => (
              <tr key={view.replication}>
                <td>{view.to}</td>
                <td>{view.host}</td>
                <td>{view.role ?? '–'}</td>
                <td className="num">{view.generation ?? '–'}</td>
                <td>{formatAge(view.intervalMs)}</td>
                <td>{view.ageMs !== undefined ? formatAge(view.ageMs) : '–'}</td>
                <td className="num">{view.sizeBytes !== undefined ? formatBytes(view.sizeBytes) : '–'}</td>
                <td>{view.lastAttempt ? `${view.lastAttempt.result}${view.lastAttempt.error ? `: ${view.lastAttempt.error}` : ''}` : '–'}</td>
                <td>{view.stale ? <strong>stale</strong> : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <EmptyState title="No replica">Nothing restarts this guest elsewhere if {host} breaks down.</EmptyState>}
      {hostDown ? (
        promoted ? (
          <p className="muted">{guest} runs on {promoted.to} since its failover (generation {promoted.generation}); this copy on {host} is disabled when {host} is back.</p>
        ) : standby.length > 0 ? (
          <div className="toolbar">
            {standby.map((view) => (
              <button key={view.replication} type="button" className="danger" onClick={() => setConfirming(view)}>
                {`Restart on ${view.to} (data ${view.ageMs !== undefined ? formatAge(view.ageMs) : 'of unknown age'} old)`}
              </button>
            ))}
          </div>
        ) : <p className="muted">{guest} cannot be restarted elsewhere: it has no replica that answers.</p>
      ) : !active ? <ReplicateForm host={host} guest={guest} onDone={() => void read()} /> : null}
      {confirming ? (
        <FailoverDialog replica={confirming} onClose={() => setConfirming(undefined)} onDone={(message) => { setConfirming(undefined); setDone(message); void read(); }} />
      ) : null}
    </div>
  );
}
