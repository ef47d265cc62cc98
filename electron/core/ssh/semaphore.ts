// A counting semaphore: caps how many hosts connect at once and how many channels one SSH
// connection opens (OpenSSH refuses more than MaxSessions, 10 by default).

export type Release = () => void;

export interface Semaphore {
  acquire(signal?: AbortSignal): Promise<Release>;
  readonly inUse: number;
  readonly waiting: number;
  /** A new limit: a larger one lets waiters in at once; under a smaller one, holders finish and no new one enters until below it. */
  setLimit(limit: number): void;
}

function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`a semaphore needs a positive limit, got ${limit}`);
  return limit;
}

export function createSemaphore(initialLimit: number): Semaphore {
  let limit = checkedLimit(initialLimit);
  let inUse = 0;
  const queue: Array<{ grant: () => void }> = [];

  const releaseOnce = (): Release => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inUse -= 1;
      grantWhileRoom();
    };
  };

  const grantWhileRoom = (): void => {
    while (inUse < limit) {
      const next = queue.shift();
      if (!next) return;
      next.grant();
    }
  };

  return {
    get inUse() { return inUse; },
    get waiting() { return queue.length; },
    setLimit(next: number): void {
      limit = checkedLimit(next);
      grantWhileRoom();
    },
    acquire(signal?: AbortSignal): Promise<Release> {
      if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
      if (inUse < limit) {
        inUse += 1;
        return Promise.resolve(releaseOnce());
      }
      return new Promise<Release>((resolve, reject) => {
        const waiter = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            inUse += 1;
            resolve(releaseOnce());
          },
        };
        const onAbort = (): void => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(signal?.reason ?? new Error('aborted'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
      });
    },
  };
}
