// Registry refusals name the host and say what to change; nothing is written when one is thrown.

export type HostRegistryErrorKind = 'invalid' | 'duplicate' | 'notFound' | 'inUse' | 'keyMismatch' | 'noPendingKey';

export class HostRegistryError extends Error {
  constructor(
    readonly kind: HostRegistryErrorKind,
    readonly hostName: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostRegistryError';
  }
}
