// Host keys waiting for the admin: each pending host's SHA256 fingerprint (with a copy button), its
// key type and the command that shows the same fingerprint on the host; approved one by one, or all
// at once only after a second, explicit confirmation. A changed key is a blocking warning with the
// old and new fingerprints, accepted only once the host's name is typed (the core audits it).
import { useCallback, useEffect, useState } from 'react';
import type { Host } from '../../../../shared/api/hosts';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { useHosts } from '../../store/useFleet';
import { Dialog } from '../../widgets/Dialog';
import { FailureNotice, SuccessNotice } from '../../widgets/Notice';

/** The host's own public key file for a key type, as sshd's default HostKey lines name them. */
export function hostKeyFile(type: string): string {
  if (type === 'ssh-ed25519') return '/etc/ssh/ssh_host_ed25519_key.pub';
  if (type.startsWith('ecdsa-sha2-')) return '/etc/ssh/ssh_host_ecdsa_key.pub';
  if (type === 'ssh-rsa' || type.startsWith('rsa-sha2-')) return '/etc/ssh/ssh_host_rsa_key.pub';
  return '/etc/ssh/ssh_host_*_key.pub';
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  return (
    <>
      <button type="button" className="small-button" aria-label={label} onClick={() => {
        navigator.clipboard.writeText(text).then(() => setCopied('yes'), () => setCopied('failed'));
      }}>Copy</button>
      {copied === 'yes' ? <span className="muted small" role="status">copied</span> : null}
      {copied === 'failed' ? <span className="field-error" role="status">the browser refused the clipboard: select the text instead</span> : null}
    </>
  );
}

/** One host's key: what it offers, how to check it, and its approve (pending) or accept (changed) control. */
export function HostKeyReview({ host, busy, onApprove }: { host: Host; busy: boolean; onApprove: (host: Host) => void }) {
  const [typed, setTyped] = useState('');
  const offered = host.trust.offered;
  if (!offered) return null;
  const command = `ssh-keygen -lf ${hostKeyFile(offered.type)}`;
  const changed = host.trust.state === 'blocked';
  return (
    <section className={`host-key ${changed ? 'host-key-changed' : ''}`} aria-label={`Host key of ${host.name}`}>
      <h3>{host.name} <span className="muted">{host.user}@{host.address}:{host.port}</span></h3>
      {changed ? (
        <div className="notice notice-error" role="alert">
          <div>
            <strong>The host key of {host.name} has changed. vfleet will not connect until you accept the new one.</strong>
            <p>This happens when the host was reinstalled or rekeyed, and also when something else answers at its address. Accept only if you know why it changed.</p>
          </div>
        </div>
      ) : null}
      <dl className="facts">
        {changed && host.trust.accepted ? (
          <div><dt>Old key</dt><dd><code className="break">{host.trust.accepted.fingerprint}</code> <span className="muted">{host.trust.accepted.type}</span></dd></div>
        ) : null}
        <div>
          <dt>{changed ? 'New key' : 'Fingerprint'}</dt>
          <dd><code className="break" aria-label={`Fingerprint offered by ${host.name}`}>{offered.fingerprint}</code> <CopyButton text={offered.fingerprint} label={`Copy the fingerprint of ${host.name}`} /></dd>
        </div>
        <div><dt>Key type</dt><dd>{offered.type}</dd></div>
        <div><dt>Check it on the host</dt><dd><code>{command}</code> prints the same SHA256 fingerprint</dd></div>
      </dl>
      {changed ? (
        <div className="toolbar">
          <label>
            Type {host.name} to accept the new key
            <input value={typed} onChange={(event) => setTyped(event.target.value)} aria-label={`Type ${host.name} to accept its new key`} autoComplete="off" />
          </label>
          <button type="button" className="danger" disabled={busy || typed !== host.name} onClick={() => onApprove(host)}>Accept the new key of {host.name}</button>
        </div>
      ) : (
        <div className="toolbar">
          <button type="button" className="primary" disabled={busy} onClick={() => onApprove(host)}>Approve {host.name}</button>
        </div>
      )}
    </section>
  );
}

/** The dialog over every host whose key waits (or only the named ones). */
export function HostKeyDialog({ only, onClose }: { only?: readonly string[]; onClose: () => void }) {
  const services = useServices();
  const statuses = useHosts();
  const [registry, setRegistry] = useState<Host[] | undefined>();
  const [failures, setFailures] = useState<Failure[]>([]);
  const [approved, setApproved] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [confirmAll, setConfirmAll] = useState(false);
  // The registry holds the offered key's type and the old key; re-read when a host's trust changes.
  const trustKey = statuses.map((host) => `${host.name}:${host.trust}:${host.offeredFingerprint ?? ''}`).join(',');
  const read = useCallback(() => {
    services.client.call('hosts.list', {}).then(setRegistry, (error: unknown) => setFailures([describeFailure('read the host registry', error)]));
  }, [services.client]);
  useEffect(read, [read, trustKey]);

  const waiting = (registry ?? []).filter((host) => (host.trust.state === 'pending' || host.trust.state === 'blocked') && host.trust.offered && (!only || only.includes(host.name)));
  const pending = waiting.filter((host) => host.trust.state === 'pending');

  const approve = async (hosts: readonly Host[]): Promise<void> => {
    setBusy(true);
    setFailures([]);
    const done: string[] = [];
    const failed: Failure[] = [];
    for (const host of hosts) {
      const fingerprint = host.trust.offered?.fingerprint;
      if (!fingerprint) continue;
      const operation = services.operations.start(`${host.trust.state === 'blocked' ? 'Accept the changed key' : 'Approve the key'} of ${host.name}`);
      try {
        await services.client.call('hosts.approveKey', { name: host.name, fingerprint });
        operation.succeed();
        done.push(host.name);
      } catch (error) {
        operation.fail(error);
        failed.push(describeFailure(`approve the key of ${host.name}`, error));
      }
    }
    setApproved((list) => [...list, ...done]);
    setFailures(failed);
    setConfirmAll(false);
    if (done.length > 0) {
      // Connecting runs on; the overview shows each host's state as it changes.
      services.client.call('hosts.connect', { names: done }).catch((error: unknown) => setFailures((list) => [...list, describeFailure(`connect ${done.join(', ')}`, error)]));
    }
    read();
    setBusy(false);
  };

  return (
    <Dialog title="Host keys to check" onClose={onClose} className="dialog-wide">
      {failures.map((failure, index) => <FailureNotice key={index} failure={failure} />)}
      {approved.length > 0 ? <SuccessNotice>Approved: {approved.join(', ')}; connecting.</SuccessNotice> : null}
      {registry === undefined ? <p className="muted">Reading the registry…</p> : null}
      {registry !== undefined && waiting.length === 0 ? <p className="muted" role="status">No host key waits for approval.</p> : null}
      {pending.length > 1 ? (
        <div className="toolbar">
          {confirmAll ? (
            <>
              <span className="field-error">Approve {pending.length} keys without checking each one on its host?</span>
              <button type="button" className="danger" disabled={busy} onClick={() => void approve(pending)}>Yes, approve all {pending.length} keys</button>
              <button type="button" onClick={() => setConfirmAll(false)}>No</button>
            </>
          ) : (
            <button type="button" disabled={busy} onClick={() => setConfirmAll(true)}>Approve all {pending.length} pending…</button>
          )}
        </div>
      ) : null}
      <div className="host-keys scroll-box tall">
        {waiting.map((host) => <HostKeyReview key={`${host.name}:${host.trust.offered?.fingerprint ?? ''}`} host={host} busy={busy} onApprove={(entry) => void approve([entry])} />)}
      </div>
      <div className="toolbar"><button type="button" onClick={onClose}>Close</button></div>
    </Dialog>
  );
}
