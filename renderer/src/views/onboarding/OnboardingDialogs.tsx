// Which onboarding dialog is open (add, edit or import hosts, host keys, create a guest; also a
// guest's migration and a host's evacuation), so buttons on any view and the palette's commands
// open the same one; the window renders it above whatever view is shown.
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { Host } from '../../../../shared/api/hosts';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { Dialog } from '../../widgets/Dialog';
import { FailureNotice } from '../../widgets/Notice';
import { CreateGuestWizard } from './CreateGuestWizard';
import { HostDialog } from './HostDialog';
import { HostKeyDialog } from './HostKeyDialog';
import { ImportHostsDialog } from './ImportHostsDialog';
import { EvacuateDialog } from '../migration/EvacuateDialog';
import { MigrateDialog } from '../migration/MigrateDialog';

export type OnboardingDialog =
  | { kind: 'createGuest'; host?: string }
  | { kind: 'hostKeys'; only?: string[] }
  | { kind: 'addHost' }
  | { kind: 'editHost'; name: string }
  | { kind: 'importHosts' }
  | { kind: 'migrateGuest'; host: string; guest: string }
  | { kind: 'evacuateHost'; host: string };

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

/** The registry entry first (auth, jump and sudo are not in the fleet state), then the dialog. */
function EditHostDialog({ name, onClose }: { name: string; onClose: () => void }) {
  const services = useServices();
  const [host, setHost] = useState<Host | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  useEffect(() => {
    services.client.call('hosts.list', {}).then((hosts) => {
      const found = hosts.find((entry) => entry.name === name);
      if (found) setHost(found);
      else setFailure({ title: `There is no host named ${name}`, message: 'It may have been removed meanwhile.', hint: 'Close this dialog.' });
    }, (error: unknown) => setFailure(describeFailure(`read host ${name}`, error)));
  }, [services.client, name]);
  if (host) return <HostDialog edit={host} onClose={onClose} />;
  return (
    <Dialog title={`Edit host ${name}`} onClose={onClose}>
      {failure ? <FailureNotice failure={failure} /> : <p className="muted">Reading the registry…</p>}
    </Dialog>
  );
}

export function OnboardingDialogs() {
  const dialog = useSyncExternalStore(subscribe, () => open);
  const close = (): void => set(undefined);
  switch (dialog?.kind) {
    case 'createGuest':
      return <CreateGuestWizard key="createGuest" host={dialog.host} onClose={close} />;
    case 'hostKeys':
      return <HostKeyDialog key="hostKeys" only={dialog.only} onClose={close} />;
    case 'addHost':
      return <HostDialog key="addHost" onClose={close} />;
    case 'editHost':
      return <EditHostDialog key={`edit:${dialog.name}`} name={dialog.name} onClose={close} />;
    case 'importHosts':
      return <ImportHostsDialog key="importHosts" onClose={close} />;
    case 'migrateGuest':
      return <MigrateDialog key={`migrate:${dialog.host}/${dialog.guest}`} host={dialog.host} guest={dialog.guest} onClose={close} />;
    case 'evacuateHost':
      return <EvacuateDialog key={`evacuate:${dialog.host}`} host={dialog.host} onClose={close} />;
    case undefined:
      return null;
  }
}
