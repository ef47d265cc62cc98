// Migration in the app, the parts test/ui/migration.test.ts leaves out: Debian's Chromium on browser
// mode over a real core and a real 3-host lab ('mui2', 10.213.160.0/24). First a migration in
// freeze mode, the mode chosen in the migrate dialog: the agents say the guest runs on lab-2 only,
// lab-1's frozen copy was killed and is disabled, the journal says done in freeze mode, and the
// downtime the dialog shows is the one the journal measured. Then a migration whose target (lab-3)
// is cut off the network right after the guest arrived there: the dialog says nothing is final yet,
// Activity shows the journal unfinished with the resolver's note and "Resolve now"; pressed while
// lab-3 is still cut it changes nothing (the source stays stopped: lab-3 may run a copy), pressed
// once lab-3 is back it shows the journal rolled back, and exactly one copy runs, on lab-2 (the
// core's own retry, every 3 s, may get there first: then the click finds it resolved). Screenshots
// go to test-results/ui/migration-resolve-*.png; the page's console must stay empty.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetDelta } from '../../shared/api/fleetState';
import { formatDuration } from '../../renderer/src/widgets/format';
import type { Lab } from '../lab/lab';
import { closeCoreAndLab, type CoreHandle } from '../core/support/coreOnLab';
import { labWithBusyboxGuest, migrationFaults } from '../migration/support/migrationFaults';
import { openAppPage, type AppPage } from './support/chromiumPage';

const LAB = { name: 'mui2', subnet: '10.213.160.0/24', hosts: 3 };
const HOSTS = ['lab-1', 'lab-2', 'lab-3'];
const GUEST = { name: 'fz', xid: 601, ip: '10.213.160.101' };
const BODY = 'served by fz\n';
const WAIT = { timeout: 30_000 };
/** A migration of the guest (its 60 MiB of data), or a resolution waiting for a host, on a busy machine. */
const MIGRATION_WAIT = { timeout: 180_000 };

describe('freeze mode and an unfinished migration resolved from the app', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  let app: AppPage | undefined;
  let page: Page;
  const faults = migrationFaults({
    lab: () => lab, handle: () => handle!, setHandle: (next) => { handle = next; }, guest: GUEST.name, url: `http://${GUEST.ip}/index.html`, body: BODY, hosts: HOSTS,
  });

  beforeAll(async () => {
    ({ lab, handle } = await labWithBusyboxGuest({ lab: LAB, guest: GUEST.name, xid: GUEST.xid, ip: GUEST.ip, body: BODY, bulkMiB: 60 }));
    await faults.waitForAnswer('lab-3');
    app = await openAppPage(handle.core, { viewport: { width: 1440, height: 1200 }, shotPrefix: 'migration-resolve-' });
    page = app.page;
    await page.getByRole('heading', { level: 1, name: 'Fleet overview' }).waitFor(WAIT);
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await closeCoreAndLab(handle, LAB.name);
  });

  const status = (host: string) => handle!.core.agent(host).call('status', { name: GUEST.name });
  /** Opens the migrate dialog from the guest's page on `host`, picks `to`, sets the port (and mode), and waits until Migrate may be pressed. */
  async function prepareMigration(host: string, to: string, mode?: 'freeze'): Promise<Locator> {
    await app!.open(`#/guests/${host}/${GUEST.name}`, GUEST.name, WAIT.timeout);
    await page.getByRole('button', { name: 'Migrate…' }).click();
    const dialog = page.getByRole('dialog', { name: `Migrate ${GUEST.name} from ${host}` });
    await dialog.getByRole('radiogroup', { name: 'Target host' }).getByRole('radio', { name: to, exact: true }).check();
    if (mode) await dialog.getByLabel('Mode', { exact: true }).selectOption(mode);
    await dialog.getByLabel('TCP port to verify', { exact: true }).fill('80');
    await dialog.getByText(/checks passed/).waitFor(WAIT).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nthe dialog showed: ${await dialog.textContent()}`);
    });
    await page.waitForFunction((label) => Array.from(document.querySelectorAll('button')).some((button) => button.textContent === label && !button.disabled), `Migrate to ${to}`, WAIT);
    return dialog;
  }

  it('migrates in freeze mode chosen in the dialog: the guest runs on lab-2 only, lab-1\'s frozen copy killed and disabled, the journal done with the downtime shown', async () => {
    const dialog = await prepareMigration('lab-1', 'lab-2', 'freeze');
    expect(await dialog.getByLabel('Mode', { exact: true }).inputValue()).toBe('freeze');
    const sourceInit = (await status('lab-1')).initPid;
    expect(sourceInit).toBeDefined();
    await dialog.getByRole('button', { name: 'Migrate to lab-2' }).click();
    await dialog.getByText(`${GUEST.name} now runs on`).waitFor(MIGRATION_WAIT);
    const progress = dialog.getByRole('region', { name: 'Migration progress' });
    await progress.getByRole('heading').getByText('done', { exact: true }).waitFor(WAIT);
    // The switch in the words of the mode chosen.
    expect(await progress.getByRole('list', { name: `Phases of lab-1/${GUEST.name} → lab-2` }).getByRole('listitem').allTextContents()).toContain('switching (source freezing)');
    await app!.shot('freeze-result', dialog);

    // The journal: this migration, in freeze mode, done, with its measured downtime; the dialog shows that figure.
    const journal = (await handle!.core.invoke('migrations.list', {})).at(-1);
    expect(journal).toMatchObject({ guest: GUEST.name, host: 'lab-1', to: 'lab-2', mode: 'freeze', phase: 'done' });
    expect(journal?.downtimeMs).toBeGreaterThan(0);
    const figures = await dialog.getByLabel(`Measured migration of ${GUEST.name}`, { exact: true }).textContent();
    expect(figures).toContain(`Downtime${formatDuration(journal!.downtimeMs!)}`);
    const audit = (await handle!.core.invoke('audit.query', { action: 'guest.migrate' })).find((entry) => entry.result === 'ok');
    expect(audit?.params).toMatchObject({ mode: 'freeze', to: 'lab-2' });
    console.log(`UI freeze-mode migration ${journal?.migration}: ${figures}`);

    // The hosts: the guest runs on lab-2 and answers there; lab-1's frozen init is gone (killed at the commit), its copy stopped and marked moved.
    expect(await faults.runningOn()).toEqual(['lab-2']);
    expect(await faults.answers('lab-3')).toBe(true);
    expect((await lab.exec('lab-1', ['kill', '-0', String(sourceInit)])).code).not.toBe(0);
    expect((await status('lab-1')).state).toBe('stopped');
    expect((await handle!.core.agent('lab-1').call('migrationInspect', { name: GUEST.name })).marker).toMatchObject({ migration: journal?.migration, state: 'moved', peer: 'lab-2' });
    await faults.nothingLeft();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
  }, MIGRATION_WAIT.timeout + 60_000);

  it('shows a migration cut off from its target after the arrival as unfinished, and Resolve now rolls it back once the target is back: one copy, on lab-2', async () => {
    const core = handle!.core;
    const dialog = await prepareMigration('lab-2', 'lab-3');
    let cut: Promise<void> | undefined;
    let migration: string | undefined;
    const unsubscribe = core.subscribe((delta: FleetDelta) => {
      if (delta.type !== 'migration' || delta.progress.to !== 'lab-3') return;
      migration = delta.progress.migration;
      if (!cut && delta.progress.phase === 'arrived') cut = lab.cut('lab-3');
    });
    try {
      await dialog.getByRole('button', { name: 'Migrate to lab-3' }).click();
      await dialog.getByRole('alert').getByText(`Could not migrate lab-2/${GUEST.name} to lab-3`).waitFor(MIGRATION_WAIT);
      await cut;
    } finally {
      unsubscribe();
    }
    expect(cut).toBeDefined();
    expect(migration).toBeDefined();
    expect(await dialog.getByRole('alert').filter({ hasText: 'Could not migrate' }).textContent()).toMatch(/could not be resolved yet/);
    await dialog.getByText('nothing final yet: it stopped at', { exact: false }).waitFor(WAIT);
    // The pre-flight runs again and cannot (the unfinished journal holds the guest): the checks from before the migration go.
    await dialog.getByText(/checks passed/).waitFor({ state: 'detached', ...WAIT });
    expect(await dialog.getByRole('button', { name: 'Migrate to lab-3' }).isDisabled()).toBe(true);
    await app!.shot('unfinished-dialog', dialog);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    // No copy runs while lab-3 may run one: lab-2's stays stopped.
    expect((await status('lab-2')).state).toBe('stopped');
    expect(await faults.answers('lab-1')).toBe(false);

    await app!.open('#/activity', 'Activity', WAIT.timeout);
    const journal = page.getByRole('region', { name: 'Migration journal' });
    const row = journal.getByRole('row').filter({ has: page.getByRole('rowheader', { name: migration!, exact: true }) });
    await row.getByText('unfinished', { exact: true }).waitFor(WAIT);
    await journal.getByText('1 unfinished', { exact: true }).waitFor(WAIT);
    // The live list above it says the same: unfinished, not running.
    const live = page.getByRole('region', { name: 'Migrations', exact: true });
    await live.getByText('(1 unfinished)', { exact: true }).waitFor(WAIT);
    expect(await row.textContent()).toContain('not resolved yet');
    // The long error of the failed operation wraps inside its panel: the page does not scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await app!.shot('unfinished-activity');

    const resolveCalls = async (): Promise<number> => (await core.invoke('audit.query', { action: 'migrations.resolve' })).length;
    /** Presses Resolve now and waits until the core answered that call (its audit entry) and the button is back. */
    const pressResolve = async (): Promise<void> => {
      const before = await resolveCalls();
      await journal.getByRole('button', { name: 'Resolve now' }).click();
      const deadline = Date.now() + MIGRATION_WAIT.timeout;
      while (await resolveCalls() === before) {
        if (Date.now() > deadline) throw new Error('Resolve now reached no migrations.resolve call');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await journal.getByRole('button', { name: 'Resolve now' }).waitFor(WAIT);
    };
    // Pressed while lab-3 is still cut: still unfinished, nothing started.
    await pressResolve();
    await row.getByText('unfinished', { exact: true }).waitFor(WAIT);
    expect((await status('lab-2')).state).toBe('stopped');

    // lab-3 back: pressed again, the journal shows rolled back.
    await lab.heal('lab-3');
    await pressResolve();
    await row.getByText('rolled back', { exact: true }).waitFor(MIGRATION_WAIT);
    expect(await row.getByText('unfinished', { exact: true }).count()).toBe(0);
    expect(await journal.getByText(/\d+ unfinished/).count()).toBe(0);
    await live.getByText('(0 unfinished)', { exact: true }).waitFor(WAIT);
    await app!.shot('resolved-activity');

    // The agents: exactly one copy runs, on lab-2, and answers; nothing of the migration is left on lab-3.
    expect((await core.invoke('migrations.list', {})).find((entry) => entry.migration === migration)?.phase).toBe('rolledBack');
    expect(await faults.runningOn()).toEqual(['lab-2']);
    await faults.waitForAnswer('lab-1');
    expect(await faults.shell('lab-3', `ls -d /etc/vservers/${GUEST.name} /vservers/${GUEST.name} 2>/dev/null; true`)).toBe('');
    await faults.nothingLeft();
  }, MIGRATION_WAIT.timeout * 2);

  it('kept the page\'s console clean', () => {
    expect(app!.consoleProblems).toEqual([]);
  });
});
