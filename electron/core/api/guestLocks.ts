// This core's own guard of each guest: one change at a time from this workstation (the agent's lock
// keeps other workstations out), and a migration can hold a guest across all its phases.
import type { GuestRef } from '../../../shared/api/guestActions';
import { HostError } from '../ssh/sshErrors';

/** Another change from this core holds the guest; nothing was done. */
export class GuestBusyError extends HostError {
  constructor(ref: GuestRef, holder: string) {
    super(ref.host, `busy: ${holder} from this vfleet has not finished; try again when it has`, 'permanent', ref.guest);
    this.name = 'GuestBusyError';
  }
}

export class GuestLocks {
  /** host/guest → what holds it, named in the refusal. */
  private readonly held = new Map<string, string>();

  /** Takes the guest or refuses at once (like the agent does): a queued change could act on a guest that moved. */
  acquire(ref: GuestRef, operation: string): () => void {
    const key = `${ref.host}/${ref.guest}`;
    const holder = this.held.get(key);
    if (holder !== undefined) throw new GuestBusyError(ref, holder);
    this.held.set(key, operation);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(key);
    };
  }
}
