// A host's or guest's health history from the core (inventory.history), read once when a page
// opens (and when asked again): the live window from before the page opened, and the per-minute
// aggregates of the last 24 hours. The live series carries on from the deltas.
import { useCallback, useEffect, useState } from 'react';
import type { HealthHistory, HealthPoint } from '../../../shared/api/health';
import { useServices } from '../app/appContext';
import { describeFailure, type Failure } from '../app/failures';

export interface HistoryState {
  history: HealthHistory | undefined;
  failure: Failure | undefined;
  reload(): void;
}

export function useHistory(host: string, guest?: string): HistoryState {
  const { client } = useServices();
  const [history, setHistory] = useState<HealthHistory | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    client.call('inventory.history', guest === undefined ? { host } : { host, guest }, { signal: controller.signal }).then(
      (result) => {
        setHistory(result);
        setFailure(undefined);
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setFailure(describeFailure(`read the health history of ${guest === undefined ? host : `${host}/${guest}`}`, error));
      },
    );
    return () => controller.abort();
  }, [client, host, guest, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { history, failure, reload };
}

/** The core's live points from before the first point the page received, then the page's own. */
export function joinLive<P extends { time: number }>(before: readonly HealthPoint[] | undefined, live: readonly P[], fromHistory: (point: HealthPoint) => P): P[] {
  const first = live[0]?.time ?? Number.POSITIVE_INFINITY;
  const earlier = (before ?? []).filter((point) => point.time < first).map(fromHistory);
  return earlier.length === 0 ? [...live] : [...earlier, ...live];
}
