// A copy's replica marker, /etc/vservers/<name>/apps/vfleet/replica (docs/architecture.md,
// "Replicas and failover"): the standby copy on a replica host, a promoted one, or a source copy
// fenced by a promotion elsewhere. Like the migration marker it lives in the configuration, so it
// survives the agent, the workstation and a reboot, and start reads it before anything runs.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../shared/node/atomicWrite';
import { replicaMarkerSchema, type ReplicaMarker } from '../../../shared/protocol/replicationSchemas';
import { readGuestMarker } from '../migration/migrationMarker';

/** Relative to the guest's configuration directory; a transfer of the configuration leaves it out. */
export const REPLICA_MARKER_PATH = 'apps/vfleet/replica';

/** The marker, undefined when there is none; an unreadable one is an error (it may be guarding the guest). */
export function readReplicaMarker(configBase: string, name: string): Promise<ReplicaMarker | undefined> {
  return readGuestMarker(configBase, name, REPLICA_MARKER_PATH, replicaMarkerSchema, 'replica');
}

/** Writes the marker into a configuration directory (the guest's, or one about to become it). */
export async function writeReplicaMarker(configDir: string, marker: ReplicaMarker): Promise<void> {
  const file = join(configDir, REPLICA_MARKER_PATH);
  await fs.mkdir(join(file, '..'), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(marker)}\n`, 0o644);
}

/** Why this copy must not start, in the admin's words; undefined when it may (no marker, or promoted). */
export function replicaRefusal(marker: ReplicaMarker | undefined): string | undefined {
  if (!marker) return undefined;
  switch (marker.role) {
    case 'promoted':
      return undefined;
    case 'replica':
      return `it is the replica of ${marker.peer}'s copy (replication ${marker.replication}, generation ${marker.generation}); only its promotion starts it (vfleet failover ${marker.peer}/<guest>)`;
    case 'fenced':
      return `this copy is stale: replication ${marker.replication} promoted generation ${marker.generation} on ${marker.peer}, which is the guest now (start it anyway with --force)`;
  }
}
