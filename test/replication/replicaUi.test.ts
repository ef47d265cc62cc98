// The replica panel in Chromium (Playwright) on browser mode and a real core over lab `repl2`
// (10.213.153.0/24): a guest of lab-1 with no replica says so; "Replicate to lab-2" makes one (the
// table shows it as a replica); lab-1 cut, the page offers "Restart on lab-2 (data N old)", asks
// for confirmation, and the guest answers on its address from lab-3, served by lab-2. The time from
// the confirming click to the first answer is printed. The page's console must stay empty.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type Lab } from '../lab/lab';
import { openAppPage, type AppPage } from '../ui/support/chromiumPage';
import { closeCoreAndLab, onboardLabHosts, startCore, waitFor, type CoreHandle } from '../core/support/coreOnLab';
import { HTTPD_INIT_SCRIPT, labShell, waitForHttp } from '../migration/support/labGuests';
import { replicaMarker } from './support/replicaFiles';

const LAB = { name: 'repl2', subnet: '10.213.153.0/24', hosts: 3 };
const GUEST = 'shop';
const GUEST_IP = '10.213.153.121';
const URL = `http://${GUEST_IP}/data.txt`;
const WAIT = { timeout: 60_000 };

describe('the replica panel of a guest page in Chromium', () => {
  let lab: Lab;
  let core: CoreHandle | undefined;
  let app: AppPage | undefined;
  let page: Page;

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    core = await startCore({ thresholds: { unreachableGraceMs: 1_000 } });
    await onboardLabHosts(core.core, lab);
    await core.core.invoke('guest.build', { host: 'lab-1', build: { name: GUEST, method: 'busybox', xid: 521, mark: 'default', interfaces: [{ ip: GUEST_IP, prefix: 24 }] } });
    await labShell(lab, 'lab-1', 'mkdir -p "$1/www" && printf "served\\n" > "$1/www/data.txt" && printf %s "$2" > "$1/etc/init.d/S50httpd" && chmod 755 "$1/etc/init.d/S50httpd"',
      `/vservers/${GUEST}`, HTTPD_INIT_SCRIPT);
    await core.core.invoke('guest.start', { host: 'lab-1', guest: GUEST });
    await waitForHttp(lab, 'lab-3', URL, 'served\n');
    app = await openAppPage(core.core);
    page = app.page;
    await app.open(`#/guests/lab-1/${GUEST}`, GUEST, WAIT.timeout);
  });

  afterAll(async () => {
    await app?.close();
    await closeCoreAndLab(core, LAB.name);
  });

  it('replicates the guest to lab-2 from its page', async () => {
    const panel = page.getByRole('region', { name: 'Replicas' });
    await panel.getByText('No replica').waitFor(WAIT);
    await panel.getByRole('combobox', { name: 'Replicate to' }).selectOption('lab-2');
    await panel.getByRole('textbox', { name: 'every (minutes)' }).fill('0.1');
    await panel.getByRole('button', { name: 'Replicate to lab-2' }).click();
    const row = panel.getByRole('row').filter({ has: page.getByRole('cell', { name: 'lab-2', exact: true }) });
    await row.getByRole('cell', { name: 'replica', exact: true }).waitFor(WAIT);
    expect(await row.getByRole('cell', { name: '6 s', exact: true }).count()).toBe(1);
    expect(await replicaMarker(lab, 'lab-2', GUEST)).toMatchObject({ role: 'replica', peer: 'lab-1', intervalMs: 6_000 });
    await app!.shot('replica-panel');
  });

  it('with lab-1 cut, restarts the guest on lab-2 after a confirmation; it answers on its address from lab-3', async () => {
    await lab.cut('lab-1');
    await waitFor('lab-1 unreachable', () => core!.core.snapshot().alerts.some((alert) => alert.id === 'hostUnreachable:lab-1'), 30_000);
    const panel = page.getByRole('region', { name: 'Replicas' });
    const offer = panel.getByRole('button', { name: /^Restart on lab-2 \(data \d+ s old\)$/ });
    await offer.waitFor(WAIT);
    await offer.click();
    const dialog = page.getByRole('dialog', { name: `Restart ${GUEST} on lab-2` });
    await dialog.getByText('is not in it').waitFor(WAIT);
    const clicked = Date.now();
    await dialog.getByRole('button', { name: 'Restart on lab-2', exact: true }).click();
    await waitForHttp(lab, 'lab-3', URL, 'served\n', 30_000);
    console.log(`restart on lab-2 from the UI: confirming click -> first HTTP answer on lab-3 ${Date.now() - clicked} ms`);
    await panel.getByText(/shop runs on lab-2 \(generation 2\); its data was \d+ s old\./).waitFor(WAIT);
    expect(await replicaMarker(lab, 'lab-2', GUEST)).toMatchObject({ role: 'promoted', generation: 2 });
    await panel.getByText(`${GUEST} runs on lab-2 since its failover (generation 2)`).waitFor(WAIT);
    expect(await panel.getByRole('button', { name: /^Restart on/ }).count()).toBe(0);
    await app!.shot('replica-failover');
    await lab.heal('lab-1');
    expect(app!.consoleProblems).toEqual([]);
  });
});
