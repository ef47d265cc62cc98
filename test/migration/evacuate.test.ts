// Evacuating a host of three guests, one of which cannot fit anywhere (its memory limit exceeds
// every other host's available memory): the two others move, two migrations at a time, each to a
// host that can take it, and run there; the third is named with each host's reason and keeps
// running where it was. Lab `migr` on 10.213.142.0/24.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvacuateResult } from '../../shared/api/migration';
import { labDown, labUp, type Lab } from '../lab/lab';
import { onboardLabHosts, removeDataDir, startCore, unpinAgentBundle, type CoreHandle } from '../core/support/coreOnLab';

const LAB = { name: 'migr', subnet: '10.213.142.0/24', hosts: 3 };
const GUESTS = [['e1', 421, '10.213.142.121'], ['e2', 422, '10.213.142.122'], ['huge', 423, '10.213.142.123']] as const;

describe('evacuating lab-1', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  let result: EvacuateResult;

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    handle = await startCore();
    await onboardLabHosts(handle.core, lab);
    for (const [name, xid, ip] of GUESTS) {
      await handle.core.invoke('guest.build', { host: 'lab-1', build: { name, method: 'busybox', xid, interfaces: [{ ip, prefix: 24 }] } });
      if (name === 'huge') await handle.core.invoke('guest.limits', { host: 'lab-1', guest: name, changes: { memoryHard: '4096G' } });
      await handle.core.invoke('guest.start', { host: 'lab-1', guest: name });
    }
  });

  afterAll(async () => {
    await handle?.close();
    await removeDataDir(handle);
    await unpinAgentBundle();
    await labDown({ name: LAB.name });
  });

  async function running(host: string): Promise<string[]> {
    const listed = await handle!.core.agent(host).call('list', {});
    return listed.guests.filter((entry) => entry.status.state === 'running').map((entry) => entry.config.name).sort();
  }

  it('moves the guests that fit, two at a time, and names the one that fits nowhere', async () => {
    result = await handle!.core.invoke('host.evacuate', { host: 'lab-1', parallel: 2 });
    const byGuest = Object.fromEntries(result.guests.map((guest) => [guest.guest, guest]));
    expect(Object.keys(byGuest).sort()).toEqual(['e1', 'e2', 'huge']);
    expect(byGuest.e1).toMatchObject({ outcome: 'moved', to: expect.stringMatching(/^lab-[23]$/) });
    expect(byGuest.e2).toMatchObject({ outcome: 'moved', to: expect.stringMatching(/^lab-[23]$/) });
    expect(byGuest.huge?.outcome).toBe('stayed');
    expect(byGuest.huge?.reason).toMatch(/no host can take it: lab-2: .*memory available, the guest may use 4\.0 TiB; lab-3: .*memory available/);
    expect(result.stopped).toBe(false);
  });

  it('leaves each guest running in exactly one place', async () => {
    const placed = Object.fromEntries(result.guests.map((guest) => [guest.guest, guest.to]));
    expect(await running('lab-1')).toEqual(['huge']);
    const elsewhere = [...await running('lab-2'), ...await running('lab-3')].sort();
    expect(elsewhere).toEqual(['e1', 'e2']);
    for (const name of ['e1', 'e2']) expect(await running(placed[name] ?? '')).toContain(name);
    const audit = await handle!.core.invoke('audit.query', { action: 'host.evacuate' });
    expect(audit.at(-1)).toMatchObject({ result: 'ok', host: 'lab-1' });
  });
});
