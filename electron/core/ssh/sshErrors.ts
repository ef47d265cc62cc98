// Turns ssh2's terse errors into sentences an admin can act on, always naming the host.

export type FailureKind = 'unreachable' | 'authentication' | 'permanent';

export class HostError extends Error {
  constructor(readonly host: string, message: string, readonly kind: FailureKind = 'permanent', readonly guest?: string) {
    super(message);
    this.name = 'HostError';
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
    return new HostError(host, `Host ${host}: the SSH server at ${where} refused the login (no accepted key, agent identity or password)`, 'authentication');
  }
  if (err.level === 'client-timeout' || /Timed out while waiting for handshake/i.test(err.message)) {
    return new HostError(host, `Host ${host}: no SSH answer from ${where} (timed out)`, 'unreachable');
  }
  if (/Keepalive timeout/i.test(err.message)) {
    return new HostError(host, `Host ${host}: the connection to ${where} stopped answering (keepalive timeout)`, 'unreachable');
  }
  switch (err.code) {
    case 'ECONNREFUSED': return new HostError(host, `Host ${host}: nothing accepts SSH connections at ${where} (connection refused)`, 'unreachable');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return new HostError(host, `Host ${host}: ${where} cannot be reached from this workstation (no route)`, 'unreachable');
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return new HostError(host, `Host ${host}: the name ${address} does not resolve`, 'unreachable');
    case 'ECONNRESET': return new HostError(host, `Host ${host}: ${where} closed the connection`, 'unreachable');
    case 'ETIMEDOUT': return new HostError(host, `Host ${host}: no answer from ${where} (timed out)`, 'unreachable');
    default: return new HostError(host, `Host ${host}: SSH to ${where} failed: ${err.message}`, 'unreachable');
  }
}
