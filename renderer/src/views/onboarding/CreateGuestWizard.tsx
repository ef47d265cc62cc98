// "Create a guest": target host (its free memory, CPU and disk from the snapshot), build method,
// identity (name, context id, hostname, interfaces), limits, capabilities and start settings.
// Every field is checked as typed against the shared schemas, and the identity against the whole
// fleet with debounced guest.buildCheck calls (refusals block, warnings need an explicit force).
// The build runs cancellable: Cancel aborts the call and the core stops and cleans up on the host.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { GuestConflict, BuildCheck } from '../../../../shared/api/guestConflicts';
import { BUILD_METHODS, buildParamsSchema, limitChangesSchema, type BuildMethod, type LimitChanges } from '../../../../shared/protocol/schemas';
import { LINUX_CAPABILITIES, SECURE_BCAPABILITIES } from '../../../../shared/validation/capabilities';
import { VfleetCallError } from '../../api/vfleetClient';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { routeHref } from '../../app/routes';
import type { OperationHandle } from '../../store/operations';
import { useHosts } from '../../store/useFleet';
import { Dialog } from '../../widgets/Dialog';
import { FieldError, issuesByField } from '../../widgets/FieldError';
import { FailureNotice, SuccessNotice } from '../../widgets/Notice';
import { useNow } from '../../widgets/useNow';
import { ConflictList, HostFacts, hostLine } from './GuestBuildFacts';
import { buildParamsOf, limitsOf, type Draft, type InterfaceDraft } from './guestDraft';

const CHECK_DELAY_MS = 300;

const METHOD_LABEL: Record<BuildMethod, string> = {
  busybox: 'busybox (a minimal guest with the host\'s static busybox)',
  skeleton: 'skeleton (configuration and an empty root)',
  template: 'template (a tarball or directory on the host)',
  rsync: 'rsync copy of a running server',
  debootstrap: 'debootstrap (a Debian distribution)',
};

/** Capabilities a guest may get beyond util-vserver's secure default bounding set. */
const ADDABLE_CAPABILITIES = LINUX_CAPABILITIES.filter((name) => !SECURE_BCAPABILITIES.includes(name));

type Outcome =
  | { kind: 'built'; host: string; name: string; xid: number; forced: GuestConflict[]; after: Failure[] }
  | { kind: 'cancelled'; host: string; name: string };

export function CreateGuestWizard({ host: initialHost, onClose }: { host?: string; onClose: () => void }) {
  const services = useServices();
  const hosts = useHosts();
  const firstConnected = hosts.find((host) => host.connection === 'connected')?.name ?? hosts[0]?.name ?? '';
  const [draft, setDraft] = useState<Draft>({
    host: initialHost ?? firstConnected, method: 'busybox', source: '', distribution: 'bookworm', mirror: '', name: '', xid: '', hostname: '',
    interfaces: [], memory: '', processes: '', cpu: '', capAdd: [], initStyle: 'plain', mark: '',
  });
  const [xidTouched, setXidTouched] = useState(false);
  const [hostnameTouched, setHostnameTouched] = useState(false);
  const [check, setCheck] = useState<BuildCheck | undefined>();
  const [checkFailure, setCheckFailure] = useState<Failure | undefined>();
  const [force, setForce] = useState(false);
  const [capToAdd, setCapToAdd] = useState('');
  const [running, setRunning] = useState<{ operation: OperationHandle; startedAt: number } | undefined>();
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const [submitted, setSubmitted] = useState(false);
  const now = useNow(running ? 500 : 60_000);
  const checkSeq = useRef(0);
  /** Bumped after a build ends, so the same identity is checked again against what the fleet holds now. */
  const [checkRound, setCheckRound] = useState(0);

  const update = (patch: Partial<Draft>): void => {
    setDraft((current) => ({ ...current, ...patch }));
    setOutcome(undefined);
  };
  const target = hosts.find((host) => host.name === draft.host);

  const parsed = useMemo(() => buildParamsSchema.safeParse(buildParamsOf(draft)), [draft]);
  const limits = useMemo(() => limitChangesSchema.safeParse(limitsOf(draft)), [draft]);
  const errors = useMemo(() => {
    const fields = parsed.success ? new Map<string, string>() : issuesByField(parsed.error.issues);
    if (!limits.success) for (const [key, message] of issuesByField(limits.error.issues)) fields.set(`limits.${key}`, message);
    return fields;
  }, [parsed, limits]);
  /** An error shows once the field has something in it, or after a build was tried. */
  const shown = (key: string, value: string): string | undefined => (submitted || value.trim() !== '' ? errors.get(key) : undefined);

  // The identity as far as it is valid, checked against the fleet a moment after the last keystroke.
  const identity = useMemo(() => {
    if (draft.host === '') return undefined;
    const request: { host: string; name?: string; xid?: number; interfaces?: Array<{ ip: string; prefix: number; dev: string }> } = { host: draft.host };
    if (draft.name !== '' && !errors.has('name')) request.name = draft.name;
    const xid = Number(draft.xid);
    if (draft.xid !== '' && !errors.has('xid')) request.xid = xid;
    const interfaces = draft.interfaces
      .filter((entry, index) => entry.ip.trim() !== '' && ![...errors.keys()].some((key) => key.startsWith(`interfaces.${index}`)))
      .map((entry) => ({ ip: entry.ip.trim(), prefix: Number(entry.prefix), dev: entry.dev.trim() }));
    if (interfaces.length > 0) request.interfaces = interfaces;
    return JSON.stringify(request);
  }, [draft, errors]);
  useEffect(() => {
    if (identity === undefined) return undefined;
    const seq = ++checkSeq.current;
    const timer = setTimeout(() => {
      services.client.call('guest.buildCheck', JSON.parse(identity) as { host: string }).then((result) => {
        if (seq !== checkSeq.current) return;
        setCheck(result);
        setCheckFailure(undefined);
      }, (error: unknown) => {
        if (seq === checkSeq.current) setCheckFailure(describeFailure(`check the guest against the fleet`, error));
      });
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [identity, checkRound, services.client]);
  useEffect(() => {
    if (check && !xidTouched) setDraft((current) => ({ ...current, xid: String(check.suggestedXid) }));
  }, [check, xidTouched]);

  const current = check !== undefined && identity !== undefined && JSON.parse(identity).host === draft.host ? check : undefined;
  const refusals = current?.refusals ?? [];
  const warnings = current?.warnings ?? [];
  const conflictsOf = (kinds: GuestConflict['kind'][]): GuestConflict[] => [...refusals, ...warnings].filter((conflict) => kinds.includes(conflict.kind));
  const canBuild = parsed.success && limits.success && refusals.length === 0 && (warnings.length === 0 || force) && target?.connection === 'connected' && !running;

  const build = async (): Promise<void> => {
    setSubmitted(true);
    if (!parsed.success || !limits.success || !canBuild) return;
    const host = draft.host;
    const name = parsed.data.name;
    const operation = services.operations.start(`Build guest ${host}/${name}`, { cancellable: true });
    setRunning({ operation, startedAt: Date.now() });
    setFailure(undefined);
    setOutcome(undefined);
    try {
      const result = await services.client.call('guest.build', { host, build: buildParamsOf(draft) as never, ...(warnings.length > 0 ? { force: true } : {}) }, { signal: operation.signal });
      operation.succeed();
      // Limits and capabilities are their own calls; a failure there leaves the guest built and says so.
      const after: Failure[] = [];
      const changes: LimitChanges = limits.data;
      if (Object.keys(changes).length > 0) {
        await services.client.call('guest.limits', { host, guest: name, changes }).catch((error: unknown) => after.push(describeFailure(`set the limits of ${host}/${name}`, error)));
      }
      if (draft.capAdd.length > 0) {
        await services.client.call('guest.capabilities', { host, guest: name, changes: { add: draft.capAdd as never } })
          .catch((error: unknown) => after.push(describeFailure(`add the capabilities of ${host}/${name}`, error)));
      }
      setOutcome({ kind: 'built', host, name, xid: result.xid, forced: result.warnings, after });
      setForce(false);
    } catch (error) {
      operation.fail(error);
      if (error instanceof VfleetCallError && error.error.kind === 'cancelled') setOutcome({ kind: 'cancelled', host, name });
      else setFailure(describeFailure(`build ${host}/${name}`, error));
    }
    setRunning(undefined);
    setCheckRound((round) => round + 1);
  };

  const setInterface = (index: number, patch: Partial<InterfaceDraft>): void =>
    update({ interfaces: draft.interfaces.map((entry, at) => (at === index ? { ...entry, ...patch } : entry)) });
  const disabled = running !== undefined;

  return (
    <Dialog title="Create a guest" onClose={() => (running ? undefined : onClose())} className="dialog-wide">
      <form
        className="wizard"
        onSubmit={(event) => {
          event.preventDefault();
          void build();
        }}
      >
        <fieldset disabled={disabled} className="wizard-step">
          <legend>1. Where</legend>
          <label>
            Target host
            <select aria-label="Target host" value={draft.host} onChange={(event) => update({ host: event.target.value })}>
              {hosts.map((host) => <option key={host.name} value={host.name}>{hostLine(host)}</option>)}
            </select>
          </label>
          <HostFacts host={target} />
        </fieldset>

        <fieldset disabled={disabled} className="wizard-step">
          <legend>2. How</legend>
          <label>
            Build method
            <select aria-label="Build method" value={draft.method} onChange={(event) => update({ method: event.target.value as BuildMethod })}>
              {BUILD_METHODS.map((method) => <option key={method} value={method}>{METHOD_LABEL[method]}</option>)}
            </select>
          </label>
          {draft.method === 'template' || draft.method === 'rsync' ? (
            <label>
              {draft.method === 'template' ? 'Template (tarball or directory on the host)' : 'Server to copy (/PATH or HOST:/PATH)'}
              <input aria-label={draft.method === 'template' ? 'Template (tarball or directory on the host)' : 'Server to copy'} className={`mono ${shown('source', draft.source) ? 'invalid' : ''}`} value={draft.source} aria-describedby="wizard-source-error"
                placeholder={draft.method === 'template' ? '/var/lib/vfleet/templates/base.tar.gz' : 'web1.example.org:/'}
                onChange={(event) => update({ source: event.target.value })} />
              <FieldError id="wizard-source-error" message={shown('source', draft.source)} />
            </label>
          ) : null}
          {draft.method === 'debootstrap' ? (
            <div className="wizard-row">
              <label>
                Distribution
                <input aria-label="Distribution" className={shown('distribution', draft.distribution) ? 'invalid' : ''} value={draft.distribution} aria-describedby="wizard-distribution-error"
                  onChange={(event) => update({ distribution: event.target.value })} />
                <FieldError id="wizard-distribution-error" message={shown('distribution', draft.distribution)} />
              </label>
              <label>
                Mirror (optional)
                <input aria-label="Mirror" className={`mono ${shown('mirror', draft.mirror) ? 'invalid' : ''}`} value={draft.mirror} placeholder="the host's apt mirror" aria-describedby="wizard-mirror-error"
                  onChange={(event) => update({ mirror: event.target.value })} />
                <FieldError id="wizard-mirror-error" message={shown('mirror', draft.mirror)} />
              </label>
            </div>
          ) : null}
        </fieldset>

        <fieldset disabled={disabled} className="wizard-step">
          <legend>3. Identity</legend>
          <div className="wizard-row">
            <label>
              Name
              <input aria-label="Name" className={shown('name', draft.name) || conflictsOf(['name']).length > 0 ? 'invalid' : ''} value={draft.name} autoFocus aria-describedby="wizard-name-error"
                onChange={(event) => {
                  const name = event.target.value;
                  update({ name, ...(hostnameTouched ? {} : { hostname: name }) });
                }} />
              <FieldError id="wizard-name-error" message={shown('name', draft.name)} />
              <ConflictList conflicts={conflictsOf(['name']).filter((conflict) => refusals.includes(conflict))} tone="refusal" />
              <ConflictList conflicts={conflictsOf(['name']).filter((conflict) => warnings.includes(conflict))} tone="warning" />
            </label>
            <label>
              Context id
              <input aria-label="Context id" className={shown('xid', draft.xid) || conflictsOf(['xid']).length > 0 ? 'invalid' : ''} value={draft.xid} inputMode="numeric" aria-describedby="wizard-xid-error"
                onChange={(event) => {
                  setXidTouched(true);
                  update({ xid: event.target.value });
                }} />
              <span className="muted small">{current ? `${current.suggestedXid} is free on every known host` : 'a free one is suggested'}</span>
              <FieldError id="wizard-xid-error" message={shown('xid', draft.xid)} />
              <ConflictList conflicts={conflictsOf(['xid']).filter((conflict) => refusals.includes(conflict))} tone="refusal" />
              <ConflictList conflicts={conflictsOf(['xid']).filter((conflict) => warnings.includes(conflict))} tone="warning" />
            </label>
            <label>
              Hostname
              <input aria-label="Hostname" className={shown('hostname', draft.hostname) ? 'invalid' : ''} value={draft.hostname} aria-describedby="wizard-hostname-error"
                onChange={(event) => {
                  setHostnameTouched(true);
                  update({ hostname: event.target.value });
                }} />
              <FieldError id="wizard-hostname-error" message={shown('hostname', draft.hostname)} />
            </label>
          </div>
          <div className="wizard-interfaces" role="group" aria-label="Interfaces">
            <span>Interfaces</span>
            {draft.interfaces.length === 0 ? <span className="muted small">none: the guest has only its loopback</span> : null}
            {draft.interfaces.map((entry, index) => {
              const ipError = shown(`interfaces.${index}.ip`, entry.ip) ?? shown(`interfaces.${index}`, entry.ip);
              return (
                <div key={index} className="wizard-row">
                  <label>
                    Address {index + 1}
                    <input aria-label={`Address ${index + 1}`} className={`mono ${ipError ? 'invalid' : ''}`} value={entry.ip} placeholder="10.0.0.10" aria-describedby={`wizard-ip-${index}-error`}
                      onChange={(event) => setInterface(index, { ip: event.target.value })} />
                    <FieldError id={`wizard-ip-${index}-error`} message={ipError} />
                  </label>
                  <label>
                    Prefix {index + 1}
                    <input aria-label={`Prefix ${index + 1}`} className={`mono narrow ${shown(`interfaces.${index}.prefix`, entry.prefix) ? 'invalid' : ''}`} value={entry.prefix} inputMode="numeric"
                      onChange={(event) => setInterface(index, { prefix: event.target.value })} />
                    <FieldError id={`wizard-prefix-${index}-error`} message={shown(`interfaces.${index}.prefix`, entry.prefix)} />
                  </label>
                  <label>
                    Device {index + 1}
                    <input aria-label={`Device ${index + 1}`} className={`mono narrow ${shown(`interfaces.${index}.dev`, entry.dev) ? 'invalid' : ''}`} value={entry.dev} placeholder="default"
                      onChange={(event) => setInterface(index, { dev: event.target.value })} />
                    <FieldError id={`wizard-dev-${index}-error`} message={shown(`interfaces.${index}.dev`, entry.dev)} />
                  </label>
                  <button type="button" className="ghost" aria-label={`Remove address ${index + 1}`} onClick={() => update({ interfaces: draft.interfaces.filter((_, at) => at !== index) })}>×</button>
                </div>
              );
            })}
            <ConflictList conflicts={conflictsOf(['address', 'hostAddress']).filter((conflict) => refusals.includes(conflict))} tone="refusal" />
            <div><button type="button" onClick={() => update({ interfaces: [...draft.interfaces, { ip: '', prefix: '24', dev: '' }] })}>Add an address</button></div>
          </div>
        </fieldset>

        <fieldset disabled={disabled} className="wizard-step">
          <legend>4. Limits and capabilities</legend>
          <div className="wizard-row">
            <label>
              Memory (hard)
              <input aria-label="Memory (hard)" className={shown('limits.memoryHard', draft.memory) ? 'invalid' : ''} value={draft.memory} placeholder="none, e.g. 256M" onChange={(event) => update({ memory: event.target.value })} />
              <FieldError id="wizard-memory-error" message={shown('limits.memoryHard', draft.memory)} />
            </label>
            <label>
              Processes
              <input aria-label="Processes" className={shown('limits.processes', draft.processes) ? 'invalid' : ''} value={draft.processes} placeholder="none, e.g. 100" inputMode="numeric" onChange={(event) => update({ processes: event.target.value })} />
              <FieldError id="wizard-processes-error" message={shown('limits.processes', draft.processes)} />
            </label>
            <label>
              CPU (share of one)
              <input aria-label="CPU (share of one)" className={shown('limits.cpu', draft.cpu) ? 'invalid' : ''} value={draft.cpu} placeholder="none, e.g. 0.5" onChange={(event) => update({ cpu: event.target.value })} />
              <FieldError id="wizard-cpu-error" message={shown('limits.cpu', draft.cpu)} />
            </label>
          </div>
          <p className="muted small">Capabilities: util-vserver's secure default{draft.capAdd.length > 0 ? `, plus ${draft.capAdd.join(', ')}` : ' only'}.</p>
          <div className="toolbar">
            <select aria-label="Capability to add" value={capToAdd} onChange={(event) => setCapToAdd(event.target.value)}>
              <option value="">Add a capability…</option>
              {ADDABLE_CAPABILITIES.filter((name) => !draft.capAdd.includes(name)).map((name) => <option key={name} value={name}>{name}</option>)}
            </select>
            <button type="button" disabled={capToAdd === ''} onClick={() => {
              update({ capAdd: [...draft.capAdd, capToAdd] });
              setCapToAdd('');
            }}>Add</button>
            {draft.capAdd.map((name) => (
              <button key={name} type="button" className="chip" aria-label={`Remove ${name}`} onClick={() => update({ capAdd: draft.capAdd.filter((entry) => entry !== name) })}>{name} ×</button>
            ))}
          </div>
        </fieldset>

        <fieldset disabled={disabled} className="wizard-step">
          <legend>5. Start</legend>
          <div className="wizard-row">
            <label>
              Init style
              <select aria-label="Init style" value={draft.initStyle} onChange={(event) => update({ initStyle: event.target.value as Draft['initStyle'] })}>
                <option value="plain">plain (the guest's /sbin/init)</option>
                <option value="sysv">sysv (runlevel scripts)</option>
              </select>
            </label>
            <label>
              Autostart mark (optional)
              <input aria-label="Autostart mark" className={shown('mark', draft.mark) ? 'invalid' : ''} value={draft.mark} placeholder="default" onChange={(event) => update({ mark: event.target.value })} />
              <span className="muted small">started by vfleet-agent start --marked MARK</span>
              <FieldError id="wizard-mark-error" message={shown('mark', draft.mark)} />
            </label>
          </div>
        </fieldset>

        <section className="wizard-check" aria-label="Fleet check">
          {checkFailure ? <FailureNotice failure={checkFailure} /> : null}
          {current && current.notChecked.length > 0 ? <p className="muted">Not checked (never synced): {current.notChecked.join(', ')}</p> : null}
          {refusals.length > 0 ? <p className="field-error" role="alert">Refused: {refusals.map((conflict) => conflict.message).join('; ')}</p> : null}
          {warnings.length > 0 ? (
            <label className="check">
              <input type="checkbox" checked={force} disabled={disabled} onChange={(event) => setForce(event.target.checked)} />
              Build anyway despite: {warnings.map((conflict) => conflict.message).join('; ')}
            </label>
          ) : null}
          {current && refusals.length === 0 && warnings.length === 0 && draft.name !== '' ? <p className="muted" role="status">No conflict in the fleet.</p> : null}
        </section>

        {failure ? <FailureNotice failure={failure} onDismiss={() => setFailure(undefined)} /> : null}
        {outcome?.kind === 'built' ? (
          <SuccessNotice>
            <span>
              Built <a href={routeHref({ view: 'guest', host: outcome.host, guest: outcome.name })} onClick={onClose}>{outcome.host}/{outcome.name}</a> at context {outcome.xid}; it is stopped, start it from its page.
              {outcome.forced.length > 0 ? ` Warnings forced past: ${outcome.forced.map((conflict) => conflict.message).join('; ')}.` : ''}
            </span>
          </SuccessNotice>
        ) : null}
        {outcome?.kind === 'built' ? outcome.after.map((entry, index) => <FailureNotice key={index} failure={entry} />) : null}
        {outcome?.kind === 'cancelled' ? (
          <p className="notice notice-warn" role="status">The build of {outcome.host}/{outcome.name} was cancelled; the host stopped it and removed what it had made.</p>
        ) : null}

        <div className="toolbar wizard-actions">
          {running ? (
            <>
              <span role="status">Building {draft.host}/{draft.name}… running for {Math.floor(Math.max(0, now - running.startedAt) / 1000)} s</span>
              <button type="button" className="danger" onClick={() => running.operation.cancel()}>Cancel build</button>
            </>
          ) : (
            <>
              <button type="submit" className="primary" disabled={!canBuild && submitted}>Build</button>
              <button type="button" onClick={onClose}>Close</button>
            </>
          )}
        </div>
        <p className="muted small">The build's output is not streamed here yet; the running state and its time are.</p>
      </form>
    </Dialog>
  );
}
