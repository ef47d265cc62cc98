// Faults in the middle of a migration, each of which must end with exactly one running copy, the
// guest's files intact and nothing left (key, authorised key, marker, staged or half-copied root)
// that blocks a retry: the target's link cut during pre-copy, the target's guest filesystem full,
// the target's agent killed right after the start on the target, and the core's own process
// killed during the switch (a new core on the same data folder resolves the journal). Lab `migr`
// on 10.213.142.0/24.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationProgress } from '../../shared/api/migration';
import type { Lab } from '../lab/lab';
import { treeManifest, type TreeManifest } from '../agent/support/treeManifest';
import { labWithBusyboxGuest, migrationFaults } from './support/migrationFaults';
import { closeCoreAndLab, type CoreHandle } from '../core/support/coreOnLab';

const LAB = { name: 'migr', subnet: '10.213.142.0/24', hosts: 3 };
const GUEST = 'app';
const GUEST_IP = '10.213.142.111';
const URL = `http://${GUEST_IP}/index.html`;
const HOSTS = ['lab-1', 'lab-2', 'lab-3'];

/** Besides the HTTP service and its bulk data (labWithBusyboxGuest). */
const EXTRA_SETUP = `
mkfifo srv/fifo
`;

describe('faults during a migration', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  let manifest: TreeManifest;

  // Through the host's own mount namespace: lab-2's guests may sit on the small filesystem mounted there.
  const rootOn = (host: string): string => `/proc/${lab.host(host).initPid}/root/vservers/${GUEST}`;

  beforeAll(async () => {
    ({ lab, handle } = await labWithBusyboxGuest({ lab: LAB, guest: GUEST, xid: 411, ip: GUEST_IP, body: 'app\n', bulkMiB: 100, extra: EXTRA_SETUP }));
    manifest = await treeManifest(rootOn('lab-1'), undefined, { content: true, mtime: true });
  });

  afterAll(() => closeCoreAndLab(handle, LAB.name));

  const { shell, runningOn, nothingLeft, answers, migrateWithFault: migrateWith, waitForJournal, killAgent, appKilledAt } = migrationFaults({
    lab: () => lab, handle: () => handle!, setHandle: (next) => { handle = next; }, guest: GUEST, url: URL, body: 'app\n', hosts: HOSTS,
  });
  const migrateWithFault = async (to: string, from: string, when: (progress: MigrationProgress) => boolean, fault: () => Promise<void>): Promise<string> =>
    (await migrateWith({ host: from, to }, when, fault)).outcome;

  it('link cut during pre-copy: the source never stops; once the link heals the migration is aborted and the target cleaned', async () => {
    const initBefore = (await handle!.core.agent('lab-1').call('status', { name: GUEST })).initPid;
    const outcome = await migrateWithFault('lab-2', 'lab-1', (progress) => progress.phase === 'precopy' && progress.bytes > 0, () => lab.cut('lab-2'));
    expect(outcome).toMatch(/failed: .*could not be resolved yet/);
    expect(await answers('lab-3')).toBe(true);
    expect((await handle!.core.agent('lab-1').call('status', { name: GUEST })).initPid).toBe(initBefore);
    await lab.heal('lab-2');
    await waitForJournal('aborted', 90_000);
    expect(await runningOn()).toEqual(['lab-1']);
    await nothingLeft();
    expect(await treeManifest(rootOn('lab-1'), undefined, { content: true, mtime: true })).toEqual(manifest);
  });

  it('target disk full: aborted before the switch, the half copy removed; with room again the retry moves it', async () => {
    await lab.smallGuestFilesystem('lab-2', '300m');
    // Filled as the pre-copy begins (after the pre-flight saw room for the guest and its margin): the transfer cannot fit.
    const outcome = await migrateWithFault('lab-2', 'lab-1', (progress) => progress.phase === 'precopy',
      async () => { await shell('lab-2', 'dd if=/dev/zero of=/vservers/filler bs=1M count=280 status=none || true'); });
    expect(outcome).toMatch(/No space left on device/);
    expect(outcome).toMatch(/aborted before the switch: app stays on lab-1, nothing left on lab-2/);
    expect(await runningOn()).toEqual(['lab-1']);
    await nothingLeft();
    expect(await shell('lab-2', 'ls -A /vservers')).toBe('filler\n');
    await shell('lab-2', 'rm /vservers/filler');
    const moved = await handle!.core.invoke('guest.migrate', { host: 'lab-1', guest: GUEST, to: 'lab-2', verifyPort: 80, keepSource: false });
    expect(moved.outcome).toBe('done');
    expect(await runningOn()).toEqual(['lab-2']);
    await nothingLeft();
    expect(await treeManifest(rootOn('lab-2'), undefined, { content: true, mtime: true })).toEqual(manifest);
  });

  it('the target\'s agent killed right after the start there: rolled back, the copy on lab-3 stopped and removed, lab-2\'s started again', async () => {
    const outcome = await migrateWithFault('lab-3', 'lab-2', (progress) => progress.phase === 'started', () => killAgent('lab-3'));
    expect(outcome).toMatch(/rolled back: app runs on lab-2, nothing left on lab-3/);
    expect(await runningOn()).toEqual(['lab-2']);
    expect(await answers('lab-1')).toBe(true);
    await nothingLeft();
    expect(await treeManifest(rootOn('lab-2'), undefined, { content: true, mtime: true })).toEqual(manifest);
  });

  it('the core\'s process killed during the switch: a new core on its data folder rolls the journal back; the retry moves the guest', async () => {
    const migration = await appKilledAt('lab-2', 'lab-3', 'stop', 'finalSync');
    await waitForJournal('rolledBack', 90_000, migration);
    expect(await runningOn()).toEqual(['lab-2']);
    await nothingLeft();
    expect(await treeManifest(rootOn('lab-2'), undefined, { content: true, mtime: true })).toEqual(manifest);
    const moved = await handle!.core.invoke('guest.migrate', { host: 'lab-2', guest: GUEST, to: 'lab-3', verifyPort: 80 });
    expect(moved.outcome).toBe('done');
    expect(await runningOn()).toEqual(['lab-3']);
    expect(await answers('lab-1')).toBe(true);
  });
});
