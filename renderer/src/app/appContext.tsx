// What every view reaches through React context: the core's client, the fleet store, the log of
// operations this page started and the link status, made once in main.tsx.
import { createContext, useContext, type ReactNode } from 'react';
import type { LinkStatusSource } from '../api/linkStatus';
import type { VfleetClient } from '../api/vfleetClient';
import type { FleetStore } from '../store/fleetStore';
import type { OperationLog } from '../store/operations';

export interface AppServices {
  client: VfleetClient;
  store: FleetStore;
  operations: OperationLog;
  link: LinkStatusSource;
}

const ServicesContext = createContext<AppServices | undefined>(undefined);

export function ServicesProvider({ services, children }: { services: AppServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesProvider');
  return services;
}
