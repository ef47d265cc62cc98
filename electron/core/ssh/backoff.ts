// Reconnect delays: exponential growth so a dead host is not hammered, jitter so a fleet that lost
// its network at once does not reconnect in lockstep.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Fraction of each delay that is randomised (0 = none, 1 = "full jitter"). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, jitter: 0.5 };

/** Delay before reconnect attempt number `attempt` (0-based); `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  const jitterPart = exponential * policy.jitter;
  return Math.round(exponential - jitterPart + jitterPart * random());
}
