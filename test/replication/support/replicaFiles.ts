// What a replication left on the lab hosts' disks, read from this machine: a copy's replica
// marker, the source's schedule, and the replica's current snapshot root.
import { readFile, readlink } from 'node:fs/promises';
import type { ReplicaMarker, ReplicationSchedule } from '../../../shared/protocol/replicationSchemas';
import type { Lab } from '../../lab/lab';
import { onMachine } from '../../migration/support/labGuests';

export async function replicaMarker(lab: Lab, host: string, guest: string): Promise<ReplicaMarker | undefined> {
  const text = await readFile(onMachine(lab, host, `/etc/vservers/${guest}/apps/vfleet/replica`), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : JSON.parse(text) as ReplicaMarker;
}

export async function schedule(lab: Lab, host: string, replication: string): Promise<ReplicationSchedule> {
  return JSON.parse(await readFile(onMachine(lab, host, `/etc/vservers/.vfleet/replication/${replication}/schedule.json`), 'utf8')) as ReplicationSchedule;
}

/** The root the copy's vdir names, inside the host and on this machine. */
export async function copyRoot(lab: Lab, host: string, guest: string): Promise<{ inside: string; machine: string }> {
  const inside = await readlink(onMachine(lab, host, `/etc/vservers/${guest}/vdir`));
  return { inside, machine: onMachine(lab, host, inside) };
}
