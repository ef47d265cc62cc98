// Migration in the app end to end: Debian's Chromium, driven by Playwright, on browser mode (the
// real HTTP server and WebSocket bridge) over a real fleet core and a real 3-host lab ('mui').
// lab-3 gets a guest filesystem too small for any guest, and lab-2 a guest holding web's context id.
// From web's page the admin opens Migrate: lab-3 is greyed with its disk reason, picking lab-2 runs
// the pre-flight (every check listed, the context id prefilled with the one lab-2 proposes, a taken
// one typed fails the check and disables Migrate), then a stop-mode migration verified on port 80
// runs with its phases and figures shown, and the result names the downtime and links to the guest
// on lab-2. The agents say where it runs and that lab-1's copy is disabled. Then lab-2 is
// evacuated from its page: the guest that fits moves to lab-1, the one no host can take stays with
// each host's reason. A migration cancelled during its pre-copy (opened from the palette) is
// aborted and leaves nothing on the target, and one verified on a port nothing serves is rolled
// back after its switch; an evacuation of lab-3 stopped during its first guest
// finishes that one and leaves the next. Screenshots go to test-results/ui/migration-*.png (with
// VFLEET_UPDATE_SCREENSHOTS=1 the dialog also to docs/screenshots/migrate.png); the page's console
// must stay empty throughout.
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationProgress } from '../../shared/api/migration';
import { labDown, labUp, type Lab } from '../lab/lab';
import { openAppPage, SHOTS, type AppPage } from './support/chromiumPage';
import { closeCoreAndLab, onboardLabHosts, startCore, type CoreHandle } from '../core/support/coreOnLab';

const LAB = { name: 'mui', subnet: '10.213.148.0/24', hosts: 3 };
const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** Long enough for a lab host on 2 busy cores; a step that needs it fails with what it waited for. */
const WAIT = { timeout: 30_000 };
/** A migration of web (its 100 MiB of data) or an evacuation, on a busy machine. */
const MIGRATION_WAIT = { timeout: 180_000 };
const WEB = { name: 'web', xid: 481, ip: '10.213.148.101' };
const OTHER = { name: 'other', xid: 481, ip: '10.213.148.102' };
const SLOW = { name: 'slow', xid: 490, ip: '10.213.148.103' };
/** Two small guests on lab-3 (its guest filesystem holds them; no copy of theirs fits there). */
const SMALL = [{ name: 's1', xid: 491, ip: '10.213.148.104' }, { name: 's2', xid: 492, ip: '10.213.148.105' }];
const HTTPD = '#!/bin/sh\n[ "$1" = start ] && busybox httpd -p 80 -h /www\nexit 0\n';

/** What the page showed over time, recorded in the page by a MutationObserver (see `recordInPage`). */
interface Seen {
  /** The migrate dialog's phase badge texts, in the order they appeared. */
  phases: string[];
  /** While the guest page's badge said "migrating to …": whether its change buttons were all disabled, and the busy title. */
  busy: Array<{ badge: string; allDisabled: boolean; title: string }>;
  /** The evacuation table's State cells as they changed, "guest: text". */
  evacuation: string[];
}

describe('migration in Chromium against a 3-host lab', () => {
  let lab: Lab;
  let core: CoreHandle | undefined;
  let app: AppPage | undefined;
  let page: Page;
  let migrationId: string | undefined;

  const onHost = async (host: string, script: string): Promise<string> => {
    const outcome = await lab.exec(host, ['sh', '-c', script], { timeoutMs: 120_000 });
    if (outcome.code !== 0) throw new Error(`${host}: ${script.slice(0, 60)} exited ${outcome.code}: ${outcome.stderr}`);
    return outcome.stdout.trim();
  };

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    // No guest fits lab-3: 16 MiB for guests, less than the pre-flight's 64 MiB margin alone.
    await lab.smallGuestFilesystem('lab-3', '16m');
    core = await startCore();
    await onboardLabHosts(core.core, lab);
    const invoke = core.core.invoke;
    await invoke('guest.build', { host: 'lab-1', build: { name: WEB.name, method: 'busybox', xid: WEB.xid, hostname: WEB.name, interfaces: [{ ip: WEB.ip, prefix: 24 }] } });
    // Data enough for a pre-copy that takes a moment, a page to serve on port 80 and the httpd that serves it.
    await onHost('lab-1', `cd /vservers/${WEB.name} && mkdir -p www srv && printf 'served by web\\n' > www/index.html && dd if=/dev/urandom of=srv/bulk bs=1M count=100 status=none`
      + ` && printf '%s' '${HTTPD}' > etc/init.d/S50httpd && chmod 755 etc/init.d/S50httpd`);
    await invoke('guest.start', { host: 'lab-1', guest: WEB.name });
    // A guest on lab-2 with web's context id: the pre-flight proposes another one there. (The fleet check warns of the id: forced.)
    await invoke('guest.build', { host: 'lab-2', force: true, build: { name: OTHER.name, method: 'busybox', xid: OTHER.xid, hostname: OTHER.name, interfaces: [{ ip: OTHER.ip, prefix: 24 }] } });
    await invoke('guest.start', { host: 'lab-2', guest: OTHER.name });
    app = await openAppPage(core.core, { viewport: { width: 1440, height: 1200 }, shotPrefix: 'migration-' });
    page = app.page;
    await page.getByRole('heading', { level: 1, name: 'Fleet overview' }).waitFor(WAIT);
  });

  afterAll(async () => {
    await app?.close();
    await closeCoreAndLab(core, LAB.name);
  });

  const shoot = (name: string, what?: Locator): Promise<void> => app!.shot(name, what);
  const open = (hash: string, heading: string): Promise<void> => app!.open(hash, heading, WAIT.timeout);
  const running = async (host: string): Promise<string[]> => {
    const listed = await core!.core.agent(host).call('list', {});
    return listed.guests.filter((entry) => entry.status.state === 'running').map((entry) => entry.config.name).sort();
  };
  /** Starts recording what the page shows as it changes (the page's own observer: nothing is missed between two polls). */
  const recordInPage = async (): Promise<void> => {
    await page.evaluate(() => {
      const seen = { phases: [] as string[], busy: [] as Array<{ badge: string; allDisabled: boolean; title: string }>, evacuation: [] as string[] };
      (window as unknown as { seen: typeof seen }).seen = seen;
      const look = (): void => {
        const phase = document.querySelector('section[aria-label="Migration progress"] h3 .badge')?.textContent;
        if (phase && seen.phases.at(-1) !== phase) seen.phases.push(phase);
        const header = document.querySelector('.page-header');
        const badge = Array.from(header?.querySelectorAll('.badge') ?? []).map((element) => element.textContent ?? '').find((text) => text.startsWith('migrating to'));
        if (header && badge) {
          const buttons = Array.from(header.querySelectorAll('button')).filter((button) => /^(Start|Stop|Restart|Migrate…|Delete…)$/.test(button.textContent ?? ''));
          const entry = { badge, allDisabled: buttons.length > 0 && buttons.every((button) => button.disabled), title: buttons[0]?.title ?? '' };
          if (JSON.stringify(seen.busy.at(-1)) !== JSON.stringify(entry)) seen.busy.push(entry);
        }
        for (const row of Array.from(document.querySelectorAll('section[aria-label="Guests of the evacuation"] tbody tr'))) {
          const text = `${row.querySelector('th')?.textContent ?? ''}: ${row.querySelector('td')?.textContent ?? ''}`;
          if (!seen.evacuation.includes(text)) seen.evacuation.push(text);
        }
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
  };
  const seenInPage = (): Promise<Seen> => page.evaluate(() => (window as unknown as { seen: Seen }).seen);

  it('opens Migrate on web\'s page: lab-3 is greyed with its reason; lab-2\'s pre-flight lists every check and proposes a free context id', async () => {
    await open(`#/guests/lab-1/${WEB.name}`, WEB.name);
    await page.getByRole('button', { name: 'Migrate…' }).click();
    const dialog = page.getByRole('dialog', { name: `Migrate ${WEB.name} from lab-1` });
    const targets = dialog.getByRole('radiogroup', { name: 'Target host' });
    await targets.getByRole('radio', { name: 'lab-2', exact: true }).waitFor(WAIT);
    expect(await targets.getByRole('radio', { name: 'lab-3', exact: true }).isDisabled()).toBe(true);
    expect(await targets.getByRole('radio', { name: 'lab-2', exact: true }).isEnabled()).toBe(true);
    // The reason is the core's own: the same words guest.migrationTargets gives.
    const ranked = await core!.core.invoke('guest.migrationTargets', { host: 'lab-1', guest: WEB.name });
    const lab3 = ranked.targets.find((target) => target.host === 'lab-3');
    expect(lab3?.suitable).toBe(false);
    expect(lab3?.reasons.join(' ')).toMatch(/free disk, the guest needs/);
    for (const reason of lab3?.reasons ?? []) await dialog.getByRole('list', { name: 'Reasons for lab-3' }).getByText(reason, { exact: true }).waitFor(WAIT);
    // Nothing is checked, nothing can move, before a target is picked.
    expect(await dialog.getByRole('button', { name: 'Migrate', exact: true }).isDisabled()).toBe(true);

    await targets.getByRole('radio', { name: 'lab-2', exact: true }).check();
    const checks = dialog.getByRole('list', { name: 'Pre-flight checks' });
    await checks.waitFor(WAIT);
    const expected = await core!.core.invoke('guest.migrate', { host: 'lab-1', guest: WEB.name, to: 'lab-2', checkOnly: true });
    expect(expected.preflight.filter((check) => check.outcome === 'failed')).toEqual([]);
    expect(await checks.getByRole('listitem').count()).toBe(expected.preflight.length);
    // The same checks with the same outcomes; details compared without their figures (free disk moves on a busy machine).
    const figuresOut = (text: string | null): string => (text ?? '').replace(/\d+(\.\d+)?/g, 'N');
    for (const check of expected.preflight) {
      expect(figuresOut(await checks.getByRole('listitem', { name: `${check.check}: ${check.outcome}`, exact: true }).textContent())).toContain(figuresOut(check.detail));
    }
    expect(await checks.getByRole('listitem', { name: 'xid: warning', exact: true }).textContent()).toContain(`context ${WEB.xid} is used by guest ${OTHER.name} on lab-2`);
    // The context id field holds the one lab-2 proposes, not web's own (taken there by other).
    expect(expected.xid).not.toBe(WEB.xid);
    await page.waitForFunction((xid) => document.querySelector<HTMLInputElement>('input[aria-label="Context id on the target"]')?.value === xid, String(expected.xid), WAIT);
    await dialog.getByText(`${WEB.xid} is taken on lab-2: ${expected.xid} proposed`).waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Migrate to lab-2' }).waitFor(WAIT);
    expect(await dialog.getByRole('button', { name: 'Migrate to lab-2' }).isEnabled()).toBe(true);
    await shoot('preflight', dialog);
    if (process.env.VFLEET_UPDATE_SCREENSHOTS === '1') await copyFile(path.join(SHOTS, 'migration-preflight.png'), path.join(ROOT, 'docs', 'screenshots', 'migrate.png'));

    // The taken id typed by hand fails its check, and Migrate is refused until it is free again.
    await dialog.getByLabel('Context id on the target', { exact: true }).fill(String(WEB.xid));
    await checks.getByRole('listitem', { name: 'xid: failed', exact: true }).getByText(`context ${WEB.xid} is used by guest ${OTHER.name} on lab-2`, { exact: false }).waitFor(WAIT);
    await dialog.getByText(/checks failed: the migration would be refused/).waitFor(WAIT);
    expect(await dialog.getByRole('button', { name: 'Migrate to lab-2' }).isDisabled()).toBe(true);
    await shoot('preflight-failed', dialog);
    await dialog.getByLabel('Context id on the target', { exact: true }).fill(String(expected.xid));
    await checks.getByRole('listitem', { name: 'xid: ok', exact: true }).getByText(`context ${expected.xid} is free on lab-2`).waitFor(WAIT);
    expect(await dialog.getByRole('button', { name: 'Migrate to lab-2' }).isEnabled()).toBe(true);
  });

  it('migrates web to lab-2 in stop mode verified on port 80: the phases and figures show, the page marks web busy, the result has the downtime', async () => {
    const dialog = page.getByRole('dialog', { name: `Migrate ${WEB.name} from lab-1` });
    expect(await dialog.getByLabel('Mode', { exact: true }).inputValue()).toBe('stop');
    await dialog.getByLabel('TCP port to verify', { exact: true }).fill('80');
    await dialog.getByText(/checks passed/).waitFor(WAIT);
    await page.waitForFunction(() => Array.from(document.querySelectorAll('button')).some((button) => button.textContent === 'Migrate to lab-2' && !button.disabled), undefined, WAIT);
    await recordInPage();
    await dialog.getByRole('button', { name: 'Migrate to lab-2' }).click();
    const progress = dialog.getByRole('region', { name: 'Migration progress' });
    await progress.waitFor(WAIT);
    // For the picture: rsync's live figures, once the first of them arrives (the shot is taken either way).
    await progress.getByText(/\d(\.\d)? [KMG]iB\/s/).waitFor({ timeout: 15_000 }).catch(() => undefined);
    await shoot('running', dialog);
    await dialog.getByText(`${WEB.name} now runs on`).waitFor(MIGRATION_WAIT);
    // The feed's last delta may come after the call's answer: the progress ends at done.
    await progress.getByRole('heading').getByText('done', { exact: true }).waitFor(WAIT);
    await shoot('result', dialog);

    const figureText = await dialog.getByLabel(`Measured migration of ${WEB.name}`, { exact: true }).textContent();
    expect(figureText).toMatch(/Downtime\s*\d+(\.\d)? (ms|s)/);
    expect(figureText).toMatch(/Total time/);
    expect(figureText).toMatch(/Sent\s*1\d\d(\.\d)? MiB/);
    expect(figureText).toMatch(/Rounds\s*[1-9]/);

    // What the page showed is what the core reported: this migration's phases, in order, pre-copy and done among them.
    const seen = await seenInPage();
    const reported: MigrationProgress[] = core!.deltas.flatMap((delta) => (delta.type === 'migration' && delta.progress.guest === WEB.name ? [delta.progress] : []));
    migrationId = reported.at(-1)?.migration;
    expect(reported.at(-1)?.phase).toBe('done');
    const words: Record<string, string> = {
      precopy: 'pre-copy (the guest runs)', switching: 'switching (source stopping)', finalSync: 'final sync', arrived: 'arrived on the target',
      started: 'started on the target', verified: 'verified on the target', committing: 'committing', done: 'done',
    };
    const order = [...new Set(reported.map((entry) => words[entry.phase]))];
    expect(seen.phases).toContain(words.precopy);
    expect(seen.phases.at(-1)).toBe(words.done);
    expect(seen.phases.filter((phase) => !order.includes(phase))).toEqual([]);
    expect(seen.phases.map((phase) => order.indexOf(phase))).toEqual([...seen.phases.map((phase) => order.indexOf(phase))].sort((a, b) => a - b));
    // The guest's page behind the dialog said it was busy, every change disabled, the migration named.
    expect(seen.busy.length).toBeGreaterThan(0);
    expect(seen.busy.every((entry) => entry.badge === 'migrating to lab-2' && entry.allDisabled)).toBe(true);
    expect(seen.busy[0]?.title).toBe(`busy: migration ${migrationId} of ${WEB.name} from lab-1 to lab-2`);
    const live = reported.filter((entry) => entry.rateBytesPerSecond > 0);
    console.log(`UI migration ${migrationId}: phases shown ${seen.phases.join(' > ')}; ${figureText}; `
      + `${live.length} deltas with rsync's live figures (highest rate ${Math.max(0, ...live.map((entry) => entry.rateBytesPerSecond))} B/s)`);
  }, MIGRATION_WAIT.timeout + 60_000);

  it('left web running on lab-2 only, its copy on lab-1 disabled by the migration and refusing to start', async () => {
    expect(await running('lab-2')).toEqual([OTHER.name, WEB.name].sort());
    expect(await running('lab-1')).toEqual([]);
    const source = await core!.core.agent('lab-1').call('migrationInspect', { name: WEB.name });
    expect(source.marker).toMatchObject({ migration: migrationId, state: 'moved', peer: 'lab-2' });
    // lab-1's agent itself refuses to start it, naming the migration (the core would refuse it sooner: web's address runs on lab-2).
    expect(await core!.core.agent('lab-1').call('start', { name: WEB.name }).catch((error: unknown) => String(error))).toContain(migrationId);
    expect(await onHost('lab-3', `curl -sf -m 5 http://${WEB.ip}/index.html`)).toBe('served by web');
    // The stop at the switch was the migration's own: no "stopped without vfleet asking" alert for it.
    expect(core!.deltas.filter((delta) => delta.type === 'alert' && delta.alert.kind === 'guestStoppedUnexpectedly')).toEqual([]);
    // The result's link opens web on lab-2.
    const dialog = page.getByRole('dialog', { name: `Migrate ${WEB.name} from lab-1` });
    await dialog.getByRole('link', { name: 'lab-2', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: WEB.name, exact: true }).waitFor(WAIT);
    await page.locator('.page-header').getByRole('link', { name: 'lab-2', exact: true }).waitFor(WAIT);
    await page.getByRole('dialog').waitFor({ state: 'detached', ...WAIT });
    // The copy left on lab-1 says what it is.
    await open(`#/guests/lab-1/${WEB.name}`, WEB.name);
    await page.getByText(`${WEB.name} was moved to lab-2 by migration ${migrationId} of ${WEB.name} from lab-1 to lab-2: this copy on lab-1 is disabled`, { exact: false }).waitFor(WAIT);
  });

  it('shows the migration and its journal in Activity with its measured downtime', async () => {
    await open('#/activity', 'Activity');
    const live = page.getByRole('region', { name: 'Migrations' });
    const row = live.getByRole('row').filter({ hasText: `lab-1/${WEB.name} → lab-2` });
    await row.getByText('done', { exact: true }).waitFor(WAIT);
    const journal = page.getByRole('region', { name: 'Migration journal' });
    const entry = journal.getByRole('row').filter({ has: page.getByRole('rowheader', { name: migrationId, exact: true }) });
    await entry.getByText('done', { exact: true }).waitFor(WAIT);
    const journals = await core!.core.invoke('migrations.list', {});
    const recorded = journals.find((candidate) => candidate.migration === migrationId);
    expect(recorded?.downtimeMs).toBeGreaterThan(0);
    expect(await entry.textContent()).toMatch(/\d+(\.\d)? (ms|s)/);
    expect(await journal.getByText('unfinished', { exact: true }).count()).toBe(0);
    await journal.getByRole('button', { name: 'Resolve now' }).click();
    await journal.getByRole('button', { name: 'Resolve now' }).waitFor(WAIT);
    await shoot('activity');
  });

  it('evacuates lab-2 from its page: other moves to lab-1, web stays named with each host\'s reason', async () => {
    await open('#/hosts/lab-2', 'lab-2');
    await page.getByRole('button', { name: 'Evacuate host…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Evacuate lab-2' });
    await dialog.getByLabel('Migrations at once', { exact: true }).fill('9');
    await dialog.getByText('from 1 to 8 migrations at once').waitFor(WAIT);
    expect(await dialog.getByRole('button', { name: 'Evacuate lab-2…' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Migrations at once', { exact: true }).fill('2');
    await dialog.getByRole('button', { name: 'Evacuate lab-2…' }).click();
    const confirm = dialog.getByRole('group', { name: 'Evacuate lab-2?' });
    await confirm.getByText(`these 2 guests off lab-2: ${OTHER.name}, ${WEB.name}?`, { exact: false }).waitFor(WAIT);
    await shoot('evacuate-confirm', dialog);
    await recordInPage();
    await confirm.getByRole('button', { name: 'Yes, evacuate lab-2' }).click();
    const table = dialog.getByRole('region', { name: 'Guests of the evacuation' });
    await table.getByRole('heading', { name: 'Result' }).waitFor(MIGRATION_WAIT);
    await shoot('evacuate-result', dialog);

    const rowOf = (guest: string): Locator => table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: guest, exact: true }) });
    await rowOf(OTHER.name).getByText('moved', { exact: true }).waitFor(WAIT);
    expect(await rowOf(OTHER.name).getByRole('link', { name: 'lab-1', exact: true }).count()).toBe(1);
    expect(await rowOf(OTHER.name).textContent()).toMatch(/moved to lab-1 with \d+(\.\d)? (ms|s) downtime/);
    await rowOf(WEB.name).getByText('stayed', { exact: true }).waitFor(WAIT);
    const stayed = await rowOf(WEB.name).textContent();
    expect(stayed).toMatch(/no host can take it: .*lab-1: [^;]*it already has a guest named web/);
    expect(stayed).toMatch(/lab-3: [^;]*free disk, the guest needs/);
    // While it ran, other's row showed its migration's phases.
    const seen = await seenInPage();
    expect(seen.evacuation.filter((text) => text.startsWith(`${OTHER.name}: `) && !/: (waiting|moved|stayed|failed)$/.test(text)).length).toBeGreaterThan(0);

    // The agents agree: other runs on lab-1 only, web on lab-2 only.
    expect(await running('lab-1')).toEqual([OTHER.name]);
    expect(await running('lab-2')).toEqual([WEB.name]);
    expect((await core!.core.agent('lab-2').call('migrationInspect', { name: OTHER.name })).marker?.state).toBe('moved');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
  }, MIGRATION_WAIT.timeout + 60_000);

  it('cancels a migration during its pre-copy from the dialog: aborted, the guest runs on where it was, nothing is left on the target', async () => {
    await core!.core.invoke('guest.build', { host: 'lab-1', build: { name: SLOW.name, method: 'busybox', xid: SLOW.xid, hostname: SLOW.name, interfaces: [{ ip: SLOW.ip, prefix: 24 }] } });
    // Enough data that the pre-copy lasts several seconds on the lab.
    await onHost('lab-1', `dd if=/dev/urandom of=/vservers/${SLOW.name}/bulk bs=1M count=200 status=none`);
    await core!.core.invoke('guest.start', { host: 'lab-1', guest: SLOW.name });
    await open(`#/guests/lab-1/${SLOW.name}`, SLOW.name);
    // From the command palette this time.
    await page.keyboard.press('Control+K');
    await page.getByRole('combobox', { name: 'Command' }).fill(`migrate ${SLOW.name}`);
    await page.getByRole('option', { name: `Migrate guest ${SLOW.name} on lab-1` }).waitFor(WAIT);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Migrate ${SLOW.name} from lab-1` });
    await dialog.getByRole('radiogroup', { name: 'Target host' }).getByRole('radio', { name: 'lab-2', exact: true }).check();
    await dialog.getByText(/checks passed/).waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Migrate to lab-2' }).click();
    const progress = dialog.getByRole('region', { name: 'Migration progress' });
    await progress.getByRole('heading').getByText('pre-copy (the guest runs)', { exact: true }).waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Cancel migration' }).click();
    await progress.getByRole('heading').getByText('aborted', { exact: true }).waitFor(MIGRATION_WAIT);
    await dialog.getByText(`Cancelled. What vfleet did: aborted before the switch: ${SLOW.name} never stopped and stays on lab-1; nothing is left on lab-2.`, { exact: false }).waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Migrate to lab-2' }).waitFor(WAIT);
    await shoot('cancelled', dialog);
    expect(await running('lab-1')).toContain(SLOW.name);
    expect((await core!.core.agent('lab-1').call('migrationInspect', { name: SLOW.name })).marker).toBeUndefined();
    expect(await onHost('lab-2', `ls -d /etc/vservers/${SLOW.name} /vservers/${SLOW.name} /vservers/.vfleet-migration/* 2>/dev/null; true`)).toBe('');
    const journal = (await core!.core.invoke('migrations.list', {})).filter((entry) => entry.guest === SLOW.name);
    expect(journal.map((entry) => entry.phase)).toEqual(['aborted']);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  }, MIGRATION_WAIT.timeout + 60_000);

  it('shows a migration that fails after the switch rolled back: verified on a port nothing serves, slow runs on lab-1 again and lab-2 holds nothing of it', async () => {
    await page.getByRole('button', { name: 'Migrate…' }).click();
    const dialog = page.getByRole('dialog', { name: `Migrate ${SLOW.name} from lab-1` });
    await dialog.getByRole('radiogroup', { name: 'Target host' }).getByRole('radio', { name: 'lab-2', exact: true }).check();
    await dialog.getByLabel('TCP port to verify', { exact: true }).fill('81');
    // A failure here says what the dialog showed instead.
    await dialog.getByText(/checks passed/).waitFor(WAIT).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nthe dialog showed: ${await dialog.textContent()}`);
    });
    await page.waitForFunction(() => Array.from(document.querySelectorAll('button')).some((button) => button.textContent === 'Migrate to lab-2' && !button.disabled), undefined, WAIT);
    await dialog.getByRole('button', { name: 'Migrate to lab-2' }).click();
    await dialog.getByRole('alert').getByText(`Could not migrate lab-1/${SLOW.name} to lab-2`).waitFor(MIGRATION_WAIT);
    const progress = dialog.getByRole('region', { name: 'Migration progress' });
    await progress.getByRole('heading').getByText('rolled back', { exact: true }).waitFor(WAIT);
    await dialog.getByText(`What vfleet did: rolled back: ${SLOW.name} is back on lab-1; its copy on lab-2 was removed. Cause:`, { exact: false }).waitFor(WAIT);
    expect(await dialog.getByRole('alert').textContent()).toMatch(/port 81 .*does not accept connections/);
    await shoot('rolled-back', dialog);
    expect(await running('lab-1')).toContain(SLOW.name);
    expect((await core!.core.agent('lab-1').call('migrationInspect', { name: SLOW.name })).marker).toBeUndefined();
    expect(await onHost('lab-2', `ls -d /etc/vservers/${SLOW.name} /vservers/${SLOW.name} /vservers/.vfleet-migration/* 2>/dev/null; true`)).toBe('');
    const journal = (await core!.core.invoke('migrations.list', {})).filter((entry) => entry.guest === SLOW.name).map((entry) => entry.phase).sort();
    expect(journal).toEqual(['aborted', 'rolledBack']);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  }, MIGRATION_WAIT.timeout + 60_000);

  it('stops an evacuation of lab-3 between guests: the running migration finishes, the next guest stays, each with its outcome', async () => {
    for (const guest of SMALL) {
      await core!.core.invoke('guest.build', { host: 'lab-3', build: { name: guest.name, method: 'busybox', xid: guest.xid, hostname: guest.name, interfaces: [{ ip: guest.ip, prefix: 24 }] } });
      await core!.core.invoke('guest.start', { host: 'lab-3', guest: guest.name });
    }
    await open('#/hosts/lab-3', 'lab-3');
    await page.getByRole('button', { name: 'Evacuate host…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Evacuate lab-3' });
    await dialog.getByLabel('Migrations at once', { exact: true }).fill('1');
    await dialog.getByRole('button', { name: 'Evacuate lab-3…' }).click();
    await dialog.getByRole('button', { name: 'Yes, evacuate lab-3' }).click();
    const table = dialog.getByRole('region', { name: 'Guests of the evacuation' });
    // One at a time: Stop once the first guest's migration shows, before it can end.
    const first = table.getByRole('row').filter({ hasNot: page.getByText('waiting', { exact: true }) }).filter({ has: page.getByRole('rowheader') });
    await first.first().waitFor(WAIT);
    const moving = (await first.first().getByRole('rowheader').textContent()) ?? '';
    await dialog.getByRole('button', { name: 'Stop', exact: true }).click();
    await table.getByRole('heading', { name: 'Stopped' }).waitFor(MIGRATION_WAIT);
    await shoot('evacuate-stopped', dialog);
    const rowOf = (guest: string): Locator => table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: guest, exact: true }) });
    const other = SMALL.map((guest) => guest.name).find((name) => name !== moving) ?? '';
    expect(await rowOf(moving).textContent()).toMatch(/moved to lab-[12] with \d+(\.\d)? (ms|s) downtime/);
    expect(await rowOf(other).textContent()).toContain('not moved: the evacuation was stopped before its turn');
    const to = (await rowOf(moving).getByRole('link').textContent()) ?? '';
    expect(await running(to)).toContain(moving);
    expect(await running('lab-3')).toEqual([other]);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  }, MIGRATION_WAIT.timeout + 60_000);

  it('kept the page\'s console clean', () => {
    expect(app!.consoleProblems).toEqual([]);
  });
});
