// Errors the agent reports: a protocol error code plus a message an admin understands, naming
// the host and the guest.
import { hostname } from 'node:os';
import { ERROR_CODES, type ErrorCode } from '../../../shared/protocol/envelope';

export class AgentError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

/** An error about one guest: "guest 'web1' on host lab-1: <cause>". */
export function guestError(code: ErrorCode, guest: string, cause: string, data?: Record<string, unknown>): AgentError {
  return new AgentError(code, `guest '${guest}' on host ${hostname()}: ${cause}`, { host: hostname(), guest, ...data });
}

/** An error about the host itself: "host lab-1: <cause>". */
export function hostError(code: ErrorCode, cause: string, data?: Record<string, unknown>): AgentError {
  return new AgentError(code, `host ${hostname()}: ${cause}`, { host: hostname(), ...data });
}

/** Wraps anything thrown into an AgentError, keeping the guest's name in the message. */
export function asAgentError(error: unknown, guest?: string): AgentError {
  if (error instanceof AgentError) return error;
  const cause = error instanceof Error ? error.message : String(error);
  return guest ? guestError(ERROR_CODES.failed, guest, cause) : hostError(ERROR_CODES.failed, cause);
}
