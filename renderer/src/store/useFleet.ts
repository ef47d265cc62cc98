// React hooks over the fleet store, each subscribed to the one topic it reads
// (useSyncExternalStore), so a component re-renders only when what it shows changed.
import { useCallback, useSyncExternalStore } from 'react';
import type { Alert, FleetSummary, GuestView, HostStatus } from '../../../shared/api/fleetState';
import { useServices } from '../app/appContext';
import { guestKey, type ClearedAlert, type FleetStore, type GuestSeriesField, type HostSeriesField, type MigrationTrack } from './fleetStore';
import type { SeriesPoint } from './liveSeries';
import type { LinkStatus } from '../api/linkStatus';
import type { Operation } from './operations';

const NO_POINTS: never[] = [];

function useTopic<T>(topic: string, read: (store: FleetStore) => T): T {
  const { store } = useServices();
  const subscribe = useCallback((listener: () => void) => store.subscribe(topic, listener), [store, topic]);
  return useSyncExternalStore(subscribe, () => read(store));
}

export function useLoaded(): boolean {
  return useTopic('loaded', (store) => store.isLoaded());
}

export function useHosts(): HostStatus[] {
  return useTopic('hosts', (store) => store.hostStatuses());
}

export function useHost(name: string): HostStatus | undefined {
  return useTopic(`host:${name}`, (store) => store.host(name));
}

export function useGuests(): GuestView[] {
  return useTopic('guests', (store) => store.guestViews());
}

export function useHostGuests(host: string): GuestView[] {
  return useTopic(`guests:${host}`, (store) => store.guestsOf(host));
}

export function useGuest(host: string, guest: string): GuestView | undefined {
  return useTopic(`guest:${guestKey(host, guest)}`, (store) => store.guest(host, guest));
}

export function useSummary(): FleetSummary | undefined {
  return useTopic('summary', (store) => store.fleetSummary());
}

export function useAlerts(): Alert[] {
  return useTopic('alerts', (store) => store.activeAlerts());
}

export function useClearedAlerts(): ClearedAlert[] {
  return useTopic('alerts', (store) => store.clearedAlerts());
}

export function useHostSeries(host: string): SeriesPoint<HostSeriesField>[] {
  return useTopic(`series:${host}`, (store) => store.hostSeriesOf(host)?.points() ?? NO_POINTS);
}

export function useGuestSeries(host: string, guest: string): SeriesPoint<GuestSeriesField>[] {
  return useTopic(`series:${guestKey(host, guest)}`, (store) => store.guestSeriesOf(host, guest)?.points() ?? NO_POINTS);
}

/** Every migration the feed reported since the page loaded, newest first. */
export function useMigrations(): MigrationTrack[] {
  return useTopic('migrations', (store) => store.migrationTracks());
}

/** The unfinished migration moving this guest off or onto this host, if any. */
export function useGuestMigration(host: string, guest: string): MigrationTrack | undefined {
  return useTopic(`migration:${guestKey(host, guest)}`, (store) => store.activeMigrationOf(host, guest));
}

export function useLink(): LinkStatus {
  const { link } = useServices();
  return useSyncExternalStore(link.subscribe, link.get);
}

export function useOperations(): Operation[] {
  const { operations } = useServices();
  return useSyncExternalStore(operations.subscribe, operations.list);
}
