// A guest's capabilities: the bounding set additions (bcapabilities) and the context
// capabilities (ccapabilities) as configured, added or dropped with guest.capabilities. They take
// effect at the guest's next start; a running guest keeps the set it started with, so what changed
// since then is listed as waiting for the next start.
import { useCallback, useEffect, useState } from 'react';
import { CONTEXT_CAPABILITIES, LINUX_CAPABILITIES } from '../../../../shared/validation/capabilities';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { useGuest } from '../../store/useFleet';
import { formatClock } from '../../widgets/format';
import { FailureNotice, Loading } from '../../widgets/Notice';

interface Caps {
  bcapabilities: string[];
  ccapabilities: string[];
}

type ListId = 'bcapabilities' | 'ccapabilities';

const LISTS: Array<{ id: ListId; title: string; file: string; names: readonly string[]; add: 'add' | 'ccapAdd'; drop: 'drop' | 'ccapDrop' }> = [
  { id: 'bcapabilities', title: 'Bounding set', file: 'bcapabilities', names: LINUX_CAPABILITIES, add: 'add', drop: 'drop' },
  { id: 'ccapabilities', title: 'Context capabilities', file: 'ccapabilities', names: CONTEXT_CAPABILITIES, add: 'ccapAdd', drop: 'ccapDrop' },
];

export function CapabilitiesPanel({ host, guest }: { host: string; guest: string }) {
  const services = useServices();
  const view = useGuest(host, guest);
  const [caps, setCaps] = useState<Caps | undefined>();
  /** What was configured when the running guest was last seen starting (or when the page opened). */
  const [atStart, setAtStart] = useState<{ startedAt: number; caps: Caps } | undefined>();
  const [picked, setPicked] = useState<Record<ListId, string>>({ bcapabilities: '', ccapabilities: '' });
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);

  const read = useCallback(async () => {
    try {
      const result = await services.client.call('guest.capabilities', { host, guest });
      setCaps({ bcapabilities: result.bcapabilities, ccapabilities: result.ccapabilities });
      setFailure(undefined);
    } catch (error) {
      setFailure(describeFailure(`read the capabilities of ${host}/${guest}`, error));
    }
  }, [services, host, guest]);
  useEffect(() => {
    void read();
  }, [read, view?.startedAt]);
  useEffect(() => {
    if (caps && view?.state === 'running' && view.startedAt !== undefined && atStart?.startedAt !== view.startedAt) setAtStart({ startedAt: view.startedAt, caps });
  }, [caps, view?.state, view?.startedAt, atStart]);

  if (!caps) return failure ? <FailureNotice failure={failure} /> : <Loading what="capabilities" />;
  const change = async (list: (typeof LISTS)[number], verb: 'add' | 'drop', name: string): Promise<void> => {
    setBusy(true);
    const operation = services.operations.start(`${verb === 'add' ? 'Add' : 'Drop'} ${name} for ${host}/${guest}`);
    try {
      const result = await services.client.call('guest.capabilities', { host, guest, changes: { [verb === 'add' ? list.add : list.drop]: [name] } });
      operation.succeed();
      setCaps({ bcapabilities: result.bcapabilities, ccapabilities: result.ccapabilities });
      setPicked({ ...picked, [list.id]: '' });
      setFailure(undefined);
    } catch (error) {
      operation.fail(error);
      setFailure(describeFailure(`${verb} ${name} for ${host}/${guest}`, error));
    }
    setBusy(false);
  };
  const running = view?.state === 'running';
  return (
    <div className="caps">
      <p className="muted">
        {running && atStart
          ? `Running since ${formatClock(atStart.startedAt)} with the set configured then; changes here apply at its next start.`
          : 'Stopped: the configured set applies when it starts.'}
      </p>
      {LISTS.map((list) => {
        const configured = caps[list.id];
        const inForce = running && atStart ? atStart.caps[list.id] : configured;
        const added = configured.filter((name) => !inForce.includes(name));
        const dropped = inForce.filter((name) => !configured.includes(name));
        return (
          <section key={list.id} aria-label={list.title} className="caps-list">
            <h3>{list.title} <span className="muted small mono">{list.file}</span></h3>
            <ul className="chips">
              {configured.length === 0 ? <li className="muted">none</li> : null}
              {configured.map((name) => (
                <li key={name} className={`chip ${added.includes(name) ? 'chip-pending' : ''}`}>
                  <span className="mono">{name}</span>
                  {added.includes(name) ? <span className="small"> (from next start)</span> : null}
                  <button type="button" className="ghost" disabled={busy} aria-label={`Drop ${name}`} onClick={() => void change(list, 'drop', name)}>×</button>
                </li>
              ))}
              {dropped.map((name) => (
                <li key={name} className="chip chip-dropped"><span className="mono">{name}</span><span className="small"> (in force until the next start)</span></li>
              ))}
            </ul>
            <div className="toolbar">
              <select aria-label={`Capability to add to ${list.title.toLowerCase()}`} value={picked[list.id]} onChange={(event) => setPicked({ ...picked, [list.id]: event.target.value })}>
                <option value="">Choose a capability…</option>
                {list.names.filter((name) => !configured.includes(name)).map((name) => <option key={name} value={name}>{name}</option>)}
              </select>
              <button type="button" disabled={busy || picked[list.id] === ''} onClick={() => void change(list, 'add', picked[list.id])}>Add to {list.title.toLowerCase()}</button>
            </div>
          </section>
        );
      })}
      {failure ? <FailureNotice failure={failure} onDismiss={() => setFailure(undefined)} /> : null}
    </div>
  );
}
