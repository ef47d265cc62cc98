// The core's host failures as fields (host, guest, kind, the bare reason), worded once for the admin,
// and ssh2's terse errors turned into reasons an admin can act on.
import { fleetErrorMessage } from '../../../shared/protocol/errors';

export type FailureKind = 'unreachable' | 'authentication' | 'permanent';

/**
 * How a reason joins the name of what it concerns: after a colon ("Host h1: keepalive timeout"),
 * reading on from the name ("Host h1 is not connected"), or worded whole where it was made (the
 * host-key check's verdicts, which name the host and its address their own way).
 */
export type Phrasing = 'afterColon' | 'readsOn' | 'whole';

/** A failure without its host: why, what kind, how the reason joins the host's name. */
export interface HostFailure {
  reason: string;
  kind: FailureKind;
  phrasing?: Phrasing;
}

/** The admin's words for a failure of host (and guest): "Host h1, guest web: <reason>". */
export function hostFailureMessage(host: string, failure: Pick<HostFailure, 'reason' | 'phrasing'>, guest?: string): string {
  switch (failure.phrasing ?? 'afterColon') {
    case 'afterColon': return fleetErrorMessage(failure.reason, { host, ...(guest ? { guest } : {}) });
    case 'readsOn': return `Host ${host}${guest ? `, guest ${guest}` : ''} ${failure.reason}`;
    case 'whole': return failure.reason;
  }
}

export class HostError extends Error implements HostFailure {
  constructor(
    readonly host: string,
    /** Why, without the host or guest: "keepalive timeout". */
    readonly reason: string,
    readonly kind: FailureKind = 'permanent',
    readonly guest?: string,
    readonly phrasing: Phrasing = 'afterColon',
  ) {
    super(hostFailureMessage(host, { reason, phrasing }, guest));
    this.name = 'HostError';
  }

  /** A failure of host met by a call for guest (or for the host itself): composed from the fields, never reworded. */
  static of(host: string, failure: HostFailure, guest?: string): HostError {
    return new HostError(host, failure.reason, failure.kind, guest, failure.phrasing);
  }

  /** The fields alone, as a connection's status keeps them. */
  get failure(): HostFailure {
    return { reason: this.reason, kind: this.kind, phrasing: this.phrasing };
  }

  /** What went wrong, for a sentence about something else: the reason where it stands alone (after a colon), else the whole message. */
  get detail(): string {
    return this.phrasing === 'afterColon' ? this.reason : this.message;
  }
}

interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

export function describeSshError(host: string, address: string, port: number, error: unknown): HostError {
  const err = error as Ssh2Error;
  const where = `${address}:${port}`;
  if (err.level === 'client-authentication') {
    return new HostError(host, `the SSH server at ${where} refused the login (no accepted key, agent identity or password)`, 'authentication');
  }
  if (err.level === 'client-timeout' || /Timed out while waiting for handshake/i.test(err.message)) {
    return new HostError(host, `no SSH answer from ${where} (timed out)`, 'unreachable');
  }
  if (/Keepalive timeout/i.test(err.message)) {
    return new HostError(host, `the connection to ${where} stopped answering (keepalive timeout)`, 'unreachable');
  }
  switch (err.code) {
    case 'ECONNREFUSED': return new HostError(host, `nothing accepts SSH connections at ${where} (connection refused)`, 'unreachable');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return new HostError(host, `${where} cannot be reached from this workstation (no route)`, 'unreachable');
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return new HostError(host, `the name ${address} does not resolve`, 'unreachable');
    case 'ECONNRESET': return new HostError(host, `${where} closed the connection`, 'unreachable');
    case 'ETIMEDOUT': return new HostError(host, `no answer from ${where} (timed out)`, 'unreachable');
    default: return new HostError(host, `SSH to ${where} failed: ${err.message}`, 'unreachable');
  }
}
