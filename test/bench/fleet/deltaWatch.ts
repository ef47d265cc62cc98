// Waits for a delta of the fleet state and tells when it arrived: the listener is attached when
// called, before the action being timed, so no delta can slip by between the action and the wait.
import type { FleetCore } from '../../../electron/core/fleet';
import type { FleetDelta } from '../../../shared/api/fleetState';

export interface DeltaWait {
  /** performance.now() at the first delta that matched. */
  arrival: Promise<number>;
  cancel(): void;
}

export function watchForDelta(core: FleetCore, what: string, matches: (delta: FleetDelta) => boolean, timeoutMs: number): DeltaWait {
  let stop = (): void => undefined;
  const arrival = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = core.subscribe((delta) => {
      if (!matches(delta)) return;
      stop();
      resolve(performance.now());
    });
    stop = () => {
      clearTimeout(timer);
      unsubscribe();
    };
  });
  return { arrival, cancel: () => stop() };
}
