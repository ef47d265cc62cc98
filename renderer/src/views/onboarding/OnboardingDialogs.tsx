// Which onboarding dialog is open (create a guest, host keys), so buttons on any view and the
// palette's commands open the same one; the window renders it above whatever view is shown.
import { useSyncExternalStore } from 'react';
import { CreateGuestWizard } from './CreateGuestWizard';
import { HostKeyDialog } from './HostKeyDialog';

export type OnboardingDialog = { kind: 'createGuest'; host?: string } | { kind: 'hostKeys'; only?: string[] };

let open: OnboardingDialog | undefined;
const listeners = new Set<() => void>();

function set(next: OnboardingDialog | undefined): void {
  open = next;
  for (const listener of listeners) listener();
}

export function openOnboardingDialog(dialog: OnboardingDialog): void {
  set(dialog);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function OnboardingDialogs() {
  const dialog = useSyncExternalStore(subscribe, () => open);
  const close = (): void => set(undefined);
  if (dialog?.kind === 'createGuest') return <CreateGuestWizard host={dialog.host} onClose={close} />;
  if (dialog?.kind === 'hostKeys') return <HostKeyDialog only={dialog.only} onClose={close} />;
  return null;
}
