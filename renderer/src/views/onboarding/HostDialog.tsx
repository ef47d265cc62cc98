// Add a host, or edit one: name, address, port, user, how to log in (ssh-agent, recommended and
// preselected when the core has a usable agent; a key file with its passphrase; a password), an
// optional jump host from the registry, tags and sudo. Each field is checked as typed against the
// shared hostInputSchema; Connect adds (or updates) it and tries it, and says in place what came
// of it: connected, a key to approve (the host-key dialog opens), or the failure and what to try.
import { useEffect, useMemo, useState } from 'react';
import type { HostStatus } from '../../../../shared/api/fleetState';
import { hostInputSchema, sudoFor, type Host, type HostDefaults } from '../../../../shared/api/hosts';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { routeHref } from '../../app/routes';
import { useHosts } from '../../store/useFleet';
import { Dialog } from '../../widgets/Dialog';
import { FieldError, issuesByField } from '../../widgets/FieldError';
import { FailureNotice, SuccessNotice } from '../../widgets/Notice';
import { openOnboardingDialog } from './OnboardingDialogs';

type AuthKind = 'agent' | 'keyFile' | 'password';

interface Draft {
  name: string;
  address: string;
  port: string;
  user: string;
  auth: AuthKind;
  keyPath: string;
  passphrase: string;
  /** Editing a key file that has a stored passphrase: it stays unless a new one is typed. */
  hadPassphrase: boolean;
  password: string;
  jump: string;
  tags: string;
  /** undefined: sudo follows the user (sudoFor). */
  sudo: boolean | undefined;
}

function draftOf(host: Host | undefined): Draft {
  return {
    name: host?.name ?? '', address: host?.address ?? '', port: String(host?.port ?? 22), user: host?.user ?? 'root',
    auth: host?.auth.kind ?? 'agent', keyPath: host?.auth.kind === 'keyFile' ? host.auth.keyPath : '', passphrase: '', hadPassphrase: host?.auth.kind === 'keyFile' && host.auth.hasPassphrase, password: '',
    jump: host?.jump ?? '', tags: host?.tags.join(', ') ?? '', sudo: host?.sudo,
  };
}

/** The draft as hosts.add takes it (secrets only when typed). */
function inputOf(draft: Draft): Record<string, unknown> {
  const port = draft.port.trim();
  return {
    name: draft.name.trim(),
    address: draft.address.trim(),
    port: port !== '' && Number.isFinite(Number(port)) ? Number(port) : port,
    user: draft.user.trim(),
    auth: draft.auth === 'keyFile' ? { kind: 'keyFile', keyPath: draft.keyPath.trim(), hasPassphrase: draft.passphrase !== '' || draft.hadPassphrase } : { kind: draft.auth },
    ...(draft.jump !== '' ? { jump: draft.jump } : {}),
    tags: draft.tags.split(/[\s,]+/).filter((tag) => tag !== ''),
    ...(draft.sudo !== undefined ? { sudo: draft.sudo } : {}),
    ...(draft.auth === 'password' && draft.password !== '' ? { password: draft.password } : {}),
    ...(draft.auth === 'keyFile' && draft.passphrase !== '' ? { passphrase: draft.passphrase } : {}),
  };
}

type Result = { kind: 'connected'; status: HostStatus } | { kind: 'pending'; status: HostStatus } | { kind: 'failed'; status: HostStatus | undefined; name: string };

export function HostDialog({ edit, onClose }: { edit?: Host; onClose: () => void }) {
  const services = useServices();
  const hosts = useHosts();
  const [draft, setDraft] = useState<Draft>(() => draftOf(edit));
  const [defaults, setDefaults] = useState<HostDefaults | undefined>();
  const [authTouched, setAuthTouched] = useState(edit !== undefined);
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | undefined>();
  const [result, setResult] = useState<Result | undefined>();
  useEffect(() => {
    services.client.call('hosts.defaults', {}).then(setDefaults, (error: unknown) => setFailure(describeFailure('read what this workstation offers for logging in', error)));
  }, [services.client]);
  // The recommended login is preselected only where it can work; the admin's own pick stays.
  useEffect(() => {
    if (defaults && !authTouched) setDraft((current) => ({ ...current, auth: defaults.sshAgent.usable ? 'agent' : 'keyFile' }));
  }, [defaults, authTouched]);

  const update = (patch: Partial<Draft>): void => {
    setDraft((current) => ({ ...current, ...patch }));
    setResult(undefined);
  };
  const parsed = useMemo(() => hostInputSchema.safeParse(inputOf(draft)), [draft]);
  const errors = useMemo(() => {
    const fields = parsed.success ? new Map<string, string>() : issuesByField(parsed.error.issues);
    if (edit === undefined && hosts.some((host) => host.name === draft.name.trim())) fields.set('name', `a host named ${draft.name.trim()} is already in the registry`);
    return fields;
  }, [parsed, hosts, draft.name, edit]);
  const shown = (key: string, value: string): string | undefined => (submitted || value.trim() !== '' ? errors.get(key) : undefined);
  const sudo = draft.sudo ?? sudoFor(draft.user.trim(), undefined);

  const connect = async (): Promise<void> => {
    setSubmitted(true);
    if (!parsed.success || errors.size > 0) return;
    setBusy(true);
    setFailure(undefined);
    setResult(undefined);
    const input = parsed.data;
    const operation = services.operations.start(`${edit ? 'Update' : 'Add'} host ${input.name}`);
    try {
      if (edit) {
        const { name, password, passphrase, jump, ...rest } = input;
        await services.client.call('hosts.update', {
          name, patch: { ...rest, jump: jump ?? null, ...(password ? { password } : {}), ...(passphrase ? { passphrase } : {}) },
        });
      } else {
        await services.client.call('hosts.add', inputOf(draft) as never);
      }
      operation.succeed();
    } catch (error) {
      operation.fail(error);
      setFailure(describeFailure(`${edit ? 'update' : 'add'} host ${input.name}`, error));
      setBusy(false);
      return;
    }
    try {
      if (edit) await services.client.call('hosts.disconnect', { names: [input.name] });
      const [status] = await services.client.call('hosts.connect', { names: [input.name] });
      if (status?.connection === 'connected') setResult({ kind: 'connected', status });
      else if (status && (status.connection === 'pendingApproval' || status.connection === 'blocked')) {
        setResult({ kind: 'pending', status });
        openOnboardingDialog({ kind: 'hostKeys', only: [input.name] });
      } else setResult({ kind: 'failed', status, name: input.name });
    } catch (error) {
      setFailure(describeFailure(`connect ${input.name}`, error));
    }
    setBusy(false);
  };

  const jumpChoices = hosts.filter((host) => host.name !== draft.name.trim());
  return (
    <Dialog title={edit ? `Edit host ${edit.name}` : 'Add a host'} onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void connect();
        }}
      >
        <fieldset disabled={busy} className="wizard-step">
          <div className="wizard-row">
            <label>
              Name
              <input aria-label="Name" className={shown('name', draft.name) ? 'invalid' : ''} value={draft.name} disabled={edit !== undefined} autoFocus onChange={(event) => update({ name: event.target.value })} />
              <FieldError message={shown('name', draft.name)} />
            </label>
            <label>
              Address
              <input aria-label="Address" className={shown('address', draft.address) ? 'invalid' : ''} value={draft.address} placeholder="host.example.org or 192.0.2.10" onChange={(event) => update({ address: event.target.value })} />
              <FieldError message={shown('address', draft.address)} />
            </label>
          </div>
          <div className="wizard-row">
            <label>
              Port
              <input aria-label="Port" className={`narrow ${shown('port', draft.port) ? 'invalid' : ''}`} value={draft.port} inputMode="numeric" onChange={(event) => update({ port: event.target.value })} />
              <FieldError message={shown('port', draft.port)} />
            </label>
            <label>
              User
              <input aria-label="User" className={shown('user', draft.user) ? 'invalid' : ''} value={draft.user} onChange={(event) => update({ user: event.target.value })} />
              <FieldError message={shown('user', draft.user)} />
            </label>
            <label className="check">
              <input type="checkbox" checked={sudo} onChange={(event) => update({ sudo: event.target.checked })} />
              Through sudo (the user is not root)
            </label>
          </div>
          <fieldset>
            <legend>Log in with</legend>
            <div className="radio-row">
              {([['agent', `ssh-agent${defaults?.sshAgent.usable ? ' (recommended)' : ''}`], ['keyFile', 'a key file'], ['password', 'a password']] as const).map(([kind, label]) => (
                <label key={kind} className="check">
                  <input type="radio" name="auth" checked={draft.auth === kind} onChange={() => {
                    setAuthTouched(true);
                    update({ auth: kind });
                  }} />
                  {label}
                </label>
              ))}
            </div>
            {defaults ? <p className={`small ${defaults.sshAgent.usable || draft.auth !== 'agent' ? 'muted' : 'field-error'}`}>{defaults.sshAgent.detail}</p> : null}
          </fieldset>
          {draft.auth === 'keyFile' ? (
            <div className="wizard-row">
              <label>
                Key file
                <input aria-label="Key file" className={`mono wide ${shown('auth.keyPath', draft.keyPath) ? 'invalid' : ''}`} value={draft.keyPath} placeholder="/home/me/.ssh/id_ed25519" onChange={(event) => update({ keyPath: event.target.value })} />
                <FieldError message={shown('auth.keyPath', draft.keyPath)} />
              </label>
              <label>
                Passphrase (if the key has one)
                <input aria-label="Passphrase" type="password" value={draft.passphrase} autoComplete="off" onChange={(event) => update({ passphrase: event.target.value })} />
              </label>
            </div>
          ) : null}
          {draft.auth === 'password' ? (
            <label>
              Password {edit ? '(empty: keep the stored one)' : ''}
              <input aria-label="Password" type="password" value={draft.password} autoComplete="off" onChange={(event) => update({ password: event.target.value })} />
            </label>
          ) : null}
          <p className="muted small">Passwords and passphrases go to the core's secret store (encrypted), never into the registry.</p>
          <div className="wizard-row">
            <label>
              Jump host
              <select aria-label="Jump host" value={draft.jump} onChange={(event) => update({ jump: event.target.value })}>
                <option value="">none (direct)</option>
                {jumpChoices.map((host) => <option key={host.name} value={host.name}>{host.name} ({host.address})</option>)}
                {draft.jump !== '' && !jumpChoices.some((host) => host.name === draft.jump) ? <option value={draft.jump}>{draft.jump}</option> : null}
              </select>
            </label>
            <label>
              Tags
              <input aria-label="Tags" className={[...errors.keys()].some((key) => key.startsWith('tags')) ? 'invalid' : ''} value={draft.tags} placeholder="rack-a, web" onChange={(event) => update({ tags: event.target.value })} />
              <FieldError message={[...errors.entries()].find(([key]) => key.startsWith('tags'))?.[1]} />
            </label>
          </div>
        </fieldset>
        {failure ? <FailureNotice failure={failure} onDismiss={() => setFailure(undefined)} /> : null}
        {result?.kind === 'connected' ? (
          <SuccessNotice>
            <a href={routeHref({ view: 'host', host: result.status.name })} onClick={onClose}>{result.status.name}</a> is connected{result.status.agent ? `, agent ${result.status.agent.version} (${result.status.agent.driver})` : ''}.
          </SuccessNotice>
        ) : null}
        {result?.kind === 'pending' ? (
          <p className="notice notice-warn" role="status">{result.status.name} offers a host key to check: {result.status.error}</p>
        ) : null}
        {result?.kind === 'failed' ? (
          <FailureNotice failure={{
            title: `${result.name} is registered but not connected`,
            message: result.status?.error ?? 'it did not connect',
            hint: 'Check the address, port and user, the key or password, and that sshd runs on the host; edit the host and connect again.',
          }} />
        ) : null}
        <div className="toolbar wizard-actions">
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Connecting…' : edit ? 'Save and connect' : 'Connect'}</button>
          <button type="button" onClick={onClose}>Close</button>
        </div>
      </form>
    </Dialog>
  );
}
