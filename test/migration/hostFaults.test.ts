// Faults of the hosts, their sshd, the agents and the app around a migration's switch, each of
// which must end with exactly one running copy, the guest's files intact and nothing left (key,
// authorised key, marker, staged or half-copied root, hold) that blocks the next migration, which
// each test's successor is: sshd killed on the target during pre-copy and on the source after the
// switch; the target rebooted during the final sync and after its start before verification; the
// source rebooted after the switch (its guest comes back stopped) in stop and in freeze mode; the
// app's process killed at the switch, during the source's stop sequence and after the start on the target; the source's agent killed
// after the switch; the target's link cut after the switch. Reboots lose /run (the transfer keys'
// tmpfs): nothing may leak then either. Then `vfleet migrations --abort`: before the switch a clean
// abort, after it a rollback, refused for a finished migration. Lab `mfault` on 10.213.151.0/24.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationJournalView, MigrationPhase } from '../../shared/api/migration';
import type { Lab } from '../lab/lab';
import { treeManifest, type TreeManifest } from '../agent/support/treeManifest';
import { closeCoreAndLab, type CoreHandle } from '../core/support/coreOnLab';
import { labWithBusyboxGuest, migrationFaults } from './support/migrationFaults';

const LAB = { name: 'mfault', subnet: '10.213.151.0/24', hosts: 3 };
const GUEST = 'app';
const GUEST_IP = '10.213.151.111';
const URL = `http://${GUEST_IP}/index.html`;
const HOSTS = ['lab-1', 'lab-2', 'lab-3'];
/** Long enough for a rebooted host to come back and its agent to be set up again. */
const RESOLVED_WITHIN_MS = 120_000;

/** Besides the HTTP service and its bulk data (labWithBusyboxGuest). */
const EXTRA_SETUP = `
mkfifo srv/fifo
mknod srv/null-device c 1 3
printf '#!/bin/sh\n[ "$1" = stop ] && [ -e /srv/slow-stop ] && sleep 4 && touch /srv/slow-stopped\nexit 0\n' > etc/init.d/S90slowstop
chmod 755 etc/init.d/S90slowstop
`;

describe('host, sshd, agent and app faults around a migration\'s switch', { timeout: 300_000 }, () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  let manifest: TreeManifest;

  const rootOn = (host: string): string => `/proc/${lab.host(host).initPid}/root/vservers/${GUEST}`;
  const { shell, runningOn, nothingLeft, answers, waitForAnswer, migrateWithFault, waitForJournal, killAgent, appKilledAt } = migrationFaults({
    lab: () => lab, handle: () => handle!, setHandle: (next) => { handle = next; }, guest: GUEST, url: URL, body: 'app\n', hosts: HOSTS,
  });

  /** The end every fault must reach: one copy, on `host`, answering, its files as they were, nothing left anywhere. */
  async function onlyOn(host: string): Promise<void> {
    expect(await runningOn()).toEqual([host]);
    await waitForAnswer(HOSTS.find((other) => other !== host)!);
    await nothingLeft();
    expect(await treeManifest(rootOn(host), undefined, { content: true, mtime: true })).toEqual(manifest);
  }

  beforeAll(async () => {
    ({ lab, handle } = await labWithBusyboxGuest({ lab: LAB, guest: GUEST, xid: 451, ip: GUEST_IP, body: 'app\n', bulkMiB: 100, extra: EXTRA_SETUP }));
    await waitForAnswer('lab-3');
    manifest = await treeManifest(rootOn('lab-1'), undefined, { content: true, mtime: true });
  });

  afterAll(() => closeCoreAndLab(handle, LAB.name));

  it('sshd killed on the target during pre-copy: the migration\'s one SSH connection, open since its probe, carries it to its end', async () => {
    const { outcome } = await migrateWithFault({ host: 'lab-1', to: 'lab-2', keepSource: false },
      (progress) => progress.phase === 'precopy' && progress.bytes > 0, () => lab.killSshd('lab-2'));
    console.log(`sshd killed on the target during pre-copy: ${outcome}`);
    expect(outcome).toBe('done');
    await lab.startSshd('lab-2');
    await onlyOn('lab-2');
    // Back to where the next fault starts.
    await handle!.core.invoke('guest.migrate', { host: 'lab-2', guest: GUEST, to: 'lab-1', keepSource: false });
    await onlyOn('lab-1');
  });

  it('sshd killed on the source after the switch: the open sessions carry the migration to its end', async () => {
    const { outcome } = await migrateWithFault({ host: 'lab-1', to: 'lab-2', keepSource: false },
      (progress) => progress.phase === 'arrived', () => lab.killSshd('lab-1'));
    expect(outcome).toBe('done');
    await lab.startSshd('lab-1');
    await onlyOn('lab-2');
  });

  it('the target rebooted during the final sync: rolled back once it answers again, the source started, nothing left on the target', async () => {
    const { outcome, migration, firedIn } = await migrateWithFault({ host: 'lab-2', to: 'lab-3', keepSource: false },
      (progress) => progress.phase === 'finalSync', () => lab.reboot('lab-3'));
    console.log(`target rebooted in ${firedIn}: ${outcome}`);
    expect(outcome).toMatch(/failed: /);
    await waitForJournal('rolledBack', RESOLVED_WITHIN_MS, migration);
    await onlyOn('lab-2');
  });

  it('the target rebooted after its start, before verification: its copy is gone with the reboot and removed, the source started', async () => {
    const { outcome, migration } = await migrateWithFault({ host: 'lab-2', to: 'lab-3', keepSource: false },
      (progress) => progress.phase === 'started', () => lab.reboot('lab-3'));
    console.log(`target rebooted after its start: ${outcome}`);
    expect(outcome).toMatch(/failed: /);
    await waitForJournal('rolledBack', RESOLVED_WITHIN_MS, migration);
    await onlyOn('lab-2');
  });

  it('the source rebooted after the switch (stop mode): the target\'s complete copy is started and verified, the commit waits for the source', async () => {
    const { outcome, migration } = await migrateWithFault({ host: 'lab-2', to: 'lab-3', keepSource: false },
      (progress) => progress.phase === 'arrived', () => lab.reboot('lab-2'));
    console.log(`source rebooted after the switch: ${outcome}`);
    await waitForJournal('done', RESOLVED_WITHIN_MS, migration);
    await onlyOn('lab-3');
  });

  it('the source rebooted during a freeze-mode final sync: its frozen guest died with it; whichever way it resolves, one copy runs', async () => {
    const { outcome, migration, firedIn } = await migrateWithFault({ host: 'lab-3', to: 'lab-1', mode: 'freeze', keepSource: false },
      (progress) => progress.phase === 'finalSync', () => lab.reboot('lab-3'));
    console.log(`source rebooted in freeze mode in ${firedIn}: ${outcome}`);
    const deadline = Date.now() + RESOLVED_WITHIN_MS;
    let phase = '';
    while (!['done', 'rolledBack'].includes(phase)) {
      if (Date.now() > deadline) throw new Error(`the journal of ${migration} is ${phase}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      phase = (await handle!.core.invoke('migrations.list', {})).find((journal) => journal.migration === migration)?.phase ?? '';
    }
    await onlyOn(phase === 'done' ? 'lab-1' : 'lab-3');
    // The next tests start from lab-1.
    if (phase !== 'done') expect((await handle!.core.invoke('guest.migrate', { host: 'lab-3', guest: GUEST, to: 'lab-1', keepSource: false })).outcome).toBe('done');
  });

  /** While it runs, the guest's stop takes 4 s more (srv/slow-stop, then srv/slow-stopped at its end); srv's mtime is put back afterwards (the manifest has it). */
  async function withSlowStop(action: () => Promise<void>): Promise<void> {
    const srv = `/vservers/${GUEST}/srv`;
    const mtime = (await shell('lab-1', `stat -c %y ${srv}`)).trim();
    await shell('lab-1', `touch ${srv}/slow-stop`);
    await action();
    await shell('lab-1', `rm -f ${srv}/slow-stop ${srv}/slow-stopped && touch -d '${mtime}' ${srv}`);
  }

  it('a stop waits for the guest\'s whole stop sequence (its slow rc script), and no longer than until only its init\'s pauses are left', async () => {
    await withSlowStop(async () => {
      const started = Date.now();
      expect((await handle!.core.invoke('guest.stop', { host: 'lab-1', guest: GUEST })).state).toBe('stopped');
      console.log(`stop with a 4 s rc script: ${Date.now() - started} ms`);
      expect(await shell('lab-1', `ls /vservers/${GUEST}/srv`)).toContain('slow-stopped');
    });
    await handle!.core.invoke('guest.start', { host: 'lab-1', guest: GUEST });
    await onlyOn('lab-1');
  });

  it('the app\'s process killed at the switch: a new core rolls the journal back; the source runs, once', async () => {
    const migration = await appKilledAt('lab-1', 'lab-2', 'stop', 'switching');
    await waitForJournal('rolledBack', RESOLVED_WITHIN_MS, migration);
    await onlyOn('lab-1');
  });

  it('the app\'s process killed while the source runs its stop sequence: the new core waits for that stop, then starts the source', async () => {
    const initBefore = (await handle!.core.agent('lab-1').call('status', { name: GUEST })).initPid;
    const stopping = async (): Promise<void> => {
      while ((await lab.exec('lab-1', ['pgrep', '-f', 'S90slowstop stop'])).code !== 0) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await withSlowStop(async () => {
      const migration = await appKilledAt('lab-1', 'lab-2', 'stop', 'switching', stopping);
      await waitForJournal('rolledBack', RESOLVED_WITHIN_MS, migration);
    });
    // A new init: the one that was ending was not taken for the running source.
    const initAfter = (await handle!.core.agent('lab-1').call('status', { name: GUEST })).initPid;
    expect(initAfter).toBeDefined();
    expect(initAfter).not.toBe(initBefore);
    await onlyOn('lab-1');
  });

  it('the app\'s process killed after the start on the target: the unverified copy is stopped and removed, the source started again', async () => {
    const migration = await appKilledAt('lab-1', 'lab-2', 'stop', 'started');
    await waitForJournal('rolledBack', RESOLVED_WITHIN_MS, migration);
    await onlyOn('lab-1');
  });

  it('the source\'s agent killed during the final sync: rolled back through its new agent, the source started again', async () => {
    const { outcome, migration, firedIn } = await migrateWithFault({ host: 'lab-1', to: 'lab-2', keepSource: false },
      (progress) => progress.phase === 'finalSync', () => killAgent('lab-1'));
    console.log(`source agent killed in ${firedIn}: ${outcome}`);
    await waitForJournal(outcome === 'done' ? 'done' : 'rolledBack', RESOLVED_WITHIN_MS, migration);
    await onlyOn(outcome === 'done' ? 'lab-2' : 'lab-1');
    if (outcome === 'done') expect((await handle!.core.invoke('guest.migrate', { host: 'lab-2', guest: GUEST, to: 'lab-1', keepSource: false })).outcome).toBe('done');
  });

  it('the target\'s link cut after the switch: no copy is started while the target may run one; once healed, rolled back to the source', async () => {
    const { outcome, migration } = await migrateWithFault({ host: 'lab-1', to: 'lab-2', keepSource: false },
      (progress) => progress.phase === 'arrived', () => lab.cut('lab-2'));
    console.log(`target cut after the switch: ${outcome}`);
    expect(outcome).toMatch(/could not be resolved yet/);
    // Partitioned: the source stays stopped (the target may be running its copy), so there are never two.
    expect(await runningOn().catch(() => 'lab-2 unreachable')).toBe('lab-2 unreachable');
    expect((await handle!.core.agent('lab-1').call('status', { name: GUEST })).state).toBe('stopped');
    expect(await answers('lab-3')).toBe(false);
    await lab.heal('lab-2');
    await waitForJournal('rolledBack', RESOLVED_WITHIN_MS, migration);
    await onlyOn('lab-1');
  });

  it('the source\'s link cut after the target\'s start: the verified target commits once the source answers again', async () => {
    const { outcome, migration } = await migrateWithFault({ host: 'lab-1', to: 'lab-2', keepSource: false },
      (progress) => progress.phase === 'started', () => lab.cut('lab-1'));
    console.log(`source cut after the start: ${outcome}`);
    await lab.heal('lab-1');
    await waitForJournal('done', RESOLVED_WITHIN_MS, migration);
    await onlyOn('lab-2');
    expect(await answers('lab-1')).toBe(true);
  });

  /** A migration from lab-2 (where the test before left the guest) to lab-1 that `vfleet migrations --abort` stops at the first progress in `phase`. */
  async function abortAt(phase: MigrationPhase): Promise<{ outcome: string; aborted: MigrationJournalView | string }> {
    let aborted: Promise<MigrationJournalView | string> | undefined;
    const { outcome } = await migrateWithFault({ host: 'lab-2', to: 'lab-1', keepSource: false }, (progress) => progress.phase === phase && (phase !== 'precopy' || progress.bytes > 0),
      async () => {
        aborted = handle!.core.invoke('migrations.abort', { migration: (await handle!.core.invoke('migrations.list', {})).at(-1)!.migration }).catch((error: unknown) => String(error));
        await aborted;
      });
    return { outcome, aborted: await aborted! };
  }

  it('vfleet migrations --abort before the switch: the source never stops, the target\'s copy is removed', async () => {
    const initBefore = (await handle!.core.agent('lab-2').call('status', { name: GUEST })).initPid;
    const { outcome, aborted } = await abortAt('precopy');
    expect(outcome).toMatch(/failed: .*the admin aborted it \(in precopy\); aborted before the switch: app stays on lab-2, nothing left on lab-1/);
    expect(aborted).toMatchObject({ phase: 'aborted', note: 'aborted: Host lab-2, guest app: the admin aborted it (in precopy)' });
    expect((await handle!.core.agent('lab-2').call('status', { name: GUEST })).initPid).toBe(initBefore);
    await onlyOn('lab-2');
  });

  it('vfleet migrations --abort after the switch: rolled back, the target\'s copy removed and the source started again', async () => {
    const { outcome, aborted } = await abortAt('arrived');
    expect(outcome).toMatch(/failed: .*the admin aborted it \(in arrived\); rolled back: app runs on lab-2, nothing left on lab-1/);
    expect(aborted).toMatchObject({ phase: 'rolledBack' });
    await onlyOn('lab-2');
  });

  it('vfleet migrations --abort of a finished migration or an unknown one is refused, changing nothing', async () => {
    const done = await handle!.core.invoke('guest.migrate', { host: 'lab-2', guest: GUEST, to: 'lab-1', keepSource: false, verifyPort: 80 });
    await expect(handle!.core.invoke('migrations.abort', { migration: done.migration })).rejects.toThrow(`migration ${done.migration} of app to lab-1 cannot be aborted: it is already finished (done)`);
    await expect(handle!.core.invoke('migrations.abort', { migration: 'm-0000000000000000' })).rejects.toThrow('no migration m-0000000000000000 is journaled here');
    await expect(handle!.core.invoke('migrations.abort', { migration: '../etc' } as never)).rejects.toThrow(/migration/);
    await onlyOn('lab-1');
  });
});
