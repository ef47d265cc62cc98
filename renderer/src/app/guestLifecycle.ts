// Start, stop and restart of one guest or many (the guest list's bulk actions, the guest page and
// the palette): a few calls at a time, one operation in Activity with its progress, cancel stops
// what has not finished, and each failure kept with the guest it concerns.
import type { GuestRef } from '../../../shared/api/guestActions';
import type { AppServices } from './appContext';
import { describeFailure, type Failure } from './failures';

export type LifecycleAction = 'start' | 'stop' | 'restart';

export const LIFECYCLE_VERB: Record<LifecycleAction, string> = { start: 'Start', stop: 'Stop', restart: 'Restart' };
export const LIFECYCLE_RUNNING: Record<LifecycleAction, string> = { start: 'Starting', stop: 'Stopping', restart: 'Restarting' };

/** Calls in flight at once for a bulk action; the core keeps its own fleet-wide limits too. */
const BULK_CONCURRENCY = 4;

export interface LifecycleFailure {
  ref: GuestRef;
  failure: Failure;
}

function refName(ref: GuestRef): string {
  return `${ref.host}/${ref.guest}`;
}

export async function runLifecycle(services: AppServices, action: LifecycleAction, refs: readonly GuestRef[]): Promise<LifecycleFailure[]> {
  const single = refs.length === 1 ? refs[0] : undefined;
  const title = single ? `${LIFECYCLE_VERB[action]} ${refName(single)}` : `${LIFECYCLE_VERB[action]} ${refs.length} guests`;
  const operation = services.operations.start(title, { total: refs.length, cancellable: true });
  const failures: LifecycleFailure[] = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < refs.length && !operation.signal.aborted) {
      const ref = refs[next++] as GuestRef;
      try {
        await services.client.call(`guest.${action}`, { host: ref.host, guest: ref.guest }, { signal: operation.signal });
      } catch (error) {
        failures.push({ ref, failure: describeFailure(`${action} ${refName(ref)}`, error) });
      }
      operation.progress(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, refs.length) }, worker));
  if (operation.signal.aborted) operation.fail(new DOMException('cancelled', 'AbortError'));
  else if (failures.length > 0) operation.fail(new Error(failures.map((entry) => entry.failure.message).join('; ')));
  else operation.succeed();
  return failures;
}
