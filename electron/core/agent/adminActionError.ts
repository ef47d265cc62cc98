// A setup failure only the host's admin can end (no Node, an old Node, sudo wanting a password, a
// protocol mismatch): the connection is failed with it. Every other setup failure may pass (a
// full disk, an agent error, a lost channel) and is retried with backoff instead.
import { HostError, type Phrasing } from '../ssh/sshErrors';

export class AdminActionError extends HostError {
  constructor(host: string, reason: string, phrasing?: Phrasing) {
    super(host, reason, 'permanent', undefined, phrasing);
    this.name = 'AdminActionError';
  }
}
