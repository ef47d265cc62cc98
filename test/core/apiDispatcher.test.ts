// The app API's entry without a lab: parameters checked once against the shared table, one change
// at a time to a guest from this core, one audit entry per change written around the call, and
// the surface a migration coordinator uses.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFleetCore, type FleetCore } from '../../electron/core/fleet';

let dataDir: string;
let core: FleetCore;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vfleet-api-'));
  core = await createFleetCore({ dataDir, knownHostsFiles: [], agentBundlePath: path.join(dataDir, 'no-bundle.js') });
  await core.invoke('hosts.add', { name: 'h1', address: '192.0.2.1' });
});

afterEach(async () => {
  await core.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('app API entry', () => {
  it('refuses parameters that do not fit the method, naming the field', async () => {
    await expect(core.invoke('guest.start', { host: 'h1' } as never)).rejects.toThrow(/^guest\.start: guest: /);
  });

  it('refuses a change to a guest that is held, lets reads and other guests through, and takes it again once released', async () => {
    const release = core.lockGuest({ host: 'h1', guest: 'web' }, 'migration');
    await expect(core.invoke('guest.start', { host: 'h1', guest: 'web' })).rejects.toThrow('Host h1, guest web: busy: migration from this vfleet has not finished');
    await expect(core.invoke('guest.limits', { host: 'h1', guest: 'web', changes: { processes: 40 } })).rejects.toThrow(/busy: migration/);
    // A read or another guest reaches the host, which is not connected.
    await expect(core.invoke('guest.limits', { host: 'h1', guest: 'web' })).rejects.toThrow('Host h1, guest web is not connected');
    await expect(core.invoke('guest.start', { host: 'h1', guest: 'db' })).rejects.toThrow('Host h1, guest db is not connected');
    expect(() => core.lockGuest({ host: 'h1', guest: 'web' }, 'another migration')).toThrow(/busy: migration/);
    release();
    await expect(core.invoke('guest.start', { host: 'h1', guest: 'web' })).rejects.toThrow('Host h1, guest web is not connected');
    // A failed call released its hold: the guest can be held again.
    core.lockGuest({ host: 'h1', guest: 'web' }, 'migration')();
  });

  it('writes one audit entry around each change, with its outcome and secrets redacted, and none for reads or refused calls', async () => {
    await core.invoke('hosts.update', { name: 'h1', patch: { tags: ['web'], password: 'hunter2' } }).catch(() => undefined);
    await core.invoke('hosts.list', {});
    await core.invoke('inventory.snapshot', {});
    await expect(core.invoke('guest.limits', { host: 'h1', guest: 'web' })).rejects.toThrow('not connected');
    await expect(core.invoke('guest.limits', { host: 'h1', guest: 'web', changes: { processes: 40 } })).rejects.toThrow('Host h1, guest web is not connected');
    await expect(core.invoke('guest.start', { host: 'h1' } as never)).rejects.toThrow(/guest/);
    const release = core.lockGuest({ host: 'h1', guest: 'db' }, 'migration');
    await expect(core.invoke('guest.stop', { host: 'h1', guest: 'db' })).rejects.toThrow(/busy/);
    release();
    await expect(core.invoke('hosts.importApply', { kind: 'ssh_config', path: path.join(dataDir, 'no-such-config') })).rejects.toThrow();

    const entries = await core.invoke('audit.query', {});
    expect(entries.map((entry) => `${entry.action} ${entry.host ?? ''}/${entry.guest ?? ''} ${entry.result}`)).toEqual([
      'hosts.add h1/ ok', `hosts.update h1/ ${entries[1]?.result}`, 'guest.limits h1/web error', 'hosts.import / error',
    ]);
    expect(entries[0]?.params).toMatchObject({ name: 'h1', address: '192.0.2.1', port: 22 });
    expect(entries[1]?.params).toEqual({ name: 'h1', patch: { tags: ['web'], password: '[redacted]' } });
    expect(entries[2]).toMatchObject({ params: { host: 'h1', guest: 'web', changes: { processes: 40 } }, error: 'Host h1, guest web is not connected' });
  });

  it('hands out a registry host\'s agent and nothing for a host it does not know', () => {
    expect(() => core.agent('nowhere')).toThrow('There is no host named nowhere in the registry');
    expect(core.agent('h1').host).toBe('h1');
  });
});
