// Errors the agent reports: a protocol error code, the host and guest as fields, and a reason; the
// message names them in the agent's wording for its own admin, the wire carries them as fields.
import { hostname } from 'node:os';
import { ERROR_CODES, type ErrorCode } from '../../../shared/protocol/envelope';
import { agentErrorMessage, ProtocolError, type ErrorPlace } from '../../../shared/protocol/errors';

export class AgentError extends ProtocolError {
  constructor(code: ErrorCode, reason: string, place: ErrorPlace = {}, data?: Record<string, unknown>) {
    super(code, reason, place, data, agentErrorMessage(reason, place));
    this.name = 'AgentError';
  }
}

/** An error about one guest: "guest 'web1' on host lab-1: <cause>". */
export function guestError(code: ErrorCode, guest: string, cause: string, data?: Record<string, unknown>): AgentError {
  return new AgentError(code, cause, { host: hostname(), guest }, data);
}

/** An error about the host itself: "host lab-1: <cause>". */
export function hostError(code: ErrorCode, cause: string, data?: Record<string, unknown>): AgentError {
  return new AgentError(code, cause, { host: hostname() }, data);
}

/** Wraps anything thrown into an AgentError about the guest (or the host). */
export function asAgentError(error: unknown, guest?: string): AgentError {
  if (error instanceof AgentError) return error;
  const cause = error instanceof Error ? error.message : String(error);
  return guest ? guestError(ERROR_CODES.failed, guest, cause) : hostError(ERROR_CODES.failed, cause);
}
