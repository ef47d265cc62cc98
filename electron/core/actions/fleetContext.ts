// What every action needs from the fleet core: the registry, the live sessions, the fleet state,
// the settings and the audit log (which only the dispatcher writes, around each audited call).
import type { HostRegistry } from '../hosts/hostRegistry';
import type { HostSession } from '../agent/hostSession';
import type { AuditLog } from '../audit/auditLog';
import type { FleetState } from '../inventory/fleetState';
import type { FleetSettings } from '../settings/fleetSettings';
import type { MigrationCoordinator } from '../migration/migrationCoordinator';
import type { ReplicationManager } from '../replication/replicationManager';

export interface FleetContext {
  registry: HostRegistry;
  state: FleetState;
  audit: AuditLog;
  settings: FleetSettings;
  /** The session of a registry host, created (not started) on first use. */
  session(host: string): HostSession;
  /** Starts connecting a host (and keeps it connected until disconnect). */
  connect(host: string): HostSession;
  /** Stops a host's session (it stays in the registry). */
  disconnect(host: string): void;
  /** Brings the fleet state in line with the registry after a change to it. */
  syncRegistry(): void;
  /** Migrations: the coordinator holds its guests itself (on both hosts), so the dispatcher takes no lock for them. */
  migrations: MigrationCoordinator;
  /** Replicas and failover: the manager locks the replica host's guest itself. */
  replicas: ReplicationManager;
}
