// A host page's registry actions: edit the host, and remove it from the registry (after a second,
// explicit confirmation), which disconnects it and leaves its guests on the host untouched.
import { useState } from 'react';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { navigate } from '../../app/routes';
import { FailureNotice } from '../../widgets/Notice';
import { openOnboardingDialog } from './OnboardingDialogs';

export function HostActions({ name }: { name: string }) {
  const services = useServices();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | undefined>();
  const remove = async (): Promise<void> => {
    setBusy(true);
    const operation = services.operations.start(`Remove host ${name}`);
    try {
      await services.client.call('hosts.remove', { name });
      operation.succeed();
      navigate({ view: 'overview' });
    } catch (error) {
      operation.fail(error);
      setFailure(describeFailure(`remove host ${name}`, error));
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" disabled={busy} onClick={() => openOnboardingDialog({ kind: 'editHost', name })}>Edit</button>
      <button type="button" disabled={busy} onClick={() => openOnboardingDialog({ kind: 'createGuest', host: name })}>Create a guest</button>
      {confirming ? (
        <span className="confirm" role="group" aria-label={`Remove ${name}?`}>
          <span>Remove {name} from vfleet? Its guests stay on the host as they are.</span>
          <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>Yes, remove {name}</button>
          <button type="button" disabled={busy} onClick={() => setConfirming(false)}>No</button>
        </span>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>Remove</button>
      )}
      {failure ? <FailureNotice failure={failure} onDismiss={() => setFailure(undefined)} /> : null}
    </>
  );
}
