// The line a host page shows while its host offers a key that is not accepted: the fingerprint,
// and the way to the host-key dialog, where it is checked and approved (a changed key only with
// the host's name typed).
import { openOnboardingDialog } from './OnboardingDialogs';

export function HostKeyNotice({ name, fingerprint }: { name: string; fingerprint: string }) {
  return (
    <div className="notice notice-warn">
      <span>Offered key <code>{fingerprint}</code></span>
      <button type="button" onClick={() => openOnboardingDialog({ kind: 'hostKeys', only: [name] })}>Check the key of {name}</button>
    </div>
  );
}
