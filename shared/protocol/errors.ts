// An error as the protocol carries it: its code, the host and guest it concerns as fields, and the
// reason alone. Places never travel inside the text: each end words the message once, for its reader.
import type { RpcError } from './envelope';

export interface ErrorPlace {
  host?: string;
  guest?: string;
}

export class ProtocolError extends Error {
  constructor(
    readonly code: number,
    /** Why, without the host or guest: "it is not running". */
    readonly reason: string,
    readonly place: ErrorPlace = {},
    readonly data?: Record<string, unknown>,
    message: string = reason,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }

  get host(): string | undefined {
    return this.place.host;
  }

  get guest(): string | undefined {
    return this.place.guest;
  }

  /** The error response's `error` member: the reason as message, the place in data. */
  toJSON(): RpcError {
    const data = { ...this.data, ...definedPlace(this.place) };
    return { code: this.code, message: this.reason, ...(Object.keys(data).length > 0 ? { data } : {}) };
  }

  /** An error response read back into fields. */
  static fromRpc(rpc: RpcError): ProtocolError {
    const data = typeof rpc.data === 'object' && rpc.data !== null ? rpc.data as Record<string, unknown> : undefined;
    const { host, guest, ...rest } = data ?? {};
    const place = definedPlace({ host: typeof host === 'string' ? host : undefined, guest: typeof guest === 'string' ? guest : undefined });
    return new ProtocolError(rpc.code, rpc.message, place, Object.keys(rest).length > 0 ? rest : undefined);
  }
}

function definedPlace(place: ErrorPlace): ErrorPlace {
  return { ...(place.host !== undefined ? { host: place.host } : {}), ...(place.guest !== undefined ? { guest: place.guest } : {}) };
}

/** The fleet's wording, for the admin at the workstation: "Host h1, guest web: <reason>". */
export function fleetErrorMessage(reason: string, place: { host: string; guest?: string }): string {
  return `Host ${place.host}${place.guest ? `, guest ${place.guest}` : ''}: ${reason}`;
}

/** The agent's wording, for the admin at the host: "guest 'web' on host h1: <reason>". */
export function agentErrorMessage(reason: string, place: ErrorPlace): string {
  if (place.guest !== undefined) return `guest '${place.guest}' on host ${place.host ?? 'unknown'}: ${reason}`;
  return place.host !== undefined ? `host ${place.host}: ${reason}` : reason;
}
