// What the migration tests check on every lab host after a migration or a fault: which hosts run
// the guest (as their agents say: the kernel's view, not the fleet state's), and that nothing of any
// migration is left (keys, authorised keys, staging, holds, markers but `moved`, half-made configurations).
import { expect } from 'vitest';
import type { FleetCore } from '../../../electron/core/fleet';
import type { Lab } from '../../lab/lab';

export async function hostsRunning(core: FleetCore, hosts: string[], guest: string): Promise<string[]> {
  const running: string[] = [];
  for (const host of hosts) {
    const listed = await core.agent(host).call('list', {});
    if (listed.guests.some((entry) => entry.config.name === guest && entry.status.state === 'running')) running.push(host);
  }
  return running;
}

export async function expectNoMigrationLeft(core: FleetCore, lab: Lab, hosts: string[]): Promise<void> {
  for (const host of hosts) {
    const left = await core.agent(host).call('migrationList', {});
    expect({ host, ...left }).toEqual({ host, markers: expect.any(Array), staging: [], keys: [], authorized: [], held: [] });
    expect(left.markers.filter((entry) => entry.marker.state !== 'moved')).toEqual([]);
    const files = await lab.exec(host, ['sh', '-c',
      'cat /run/vfleet-lab/authorized_keys; ls -A /etc/vservers; ls -A /run/vfleet/migration 2>/dev/null; ls -A /vservers/.vfleet-migration 2>/dev/null; true'], { timeoutMs: 60_000 });
    expect(files.stdout).not.toMatch(/vfleet-migration-|arriving|m-[0-9a-z]{8}/);
  }
}
