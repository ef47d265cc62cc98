// The fleet views end to end: Debian's Chromium, driven by Playwright, opens browser mode (the real
// HTTP server and WebSocket bridge) on a real fleet core managing a real 3-host lab. Every step acts
// as an admin would, finding controls by role and accessible name, and checks the outcome where it
// happens: the kernel's cgroup file and the guest's init on the host, the guest's own answer. A
// screenshot of every view goes to test-results/ui/; with VFLEET_UPDATE_SCREENSHOTS=1 the overview
// and a guest page are also copied to docs/screenshots/ for the README (a plain run leaves the
// checkout as it was). The page's console must stay empty throughout.
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserMode } from '../../electron/core/bridge/browserMode';
import { sha256Fingerprint } from '../../electron/core/ssh/hostKeyFingerprint';
import { formatBytes } from '../../shared/format/byteSize';
import { formatLoad } from '../../renderer/src/widgets/format';
import { labDown, labUp, type Lab } from '../lab/lab';
import { hostFiles } from '../lab/labLayout';
import { collectConsoleProblems, openAppPage, RENDERER_DIR, SHOTS, type AppPage } from './support/chromiumPage';
import { closeCoreAndLab, onboardLabHosts, removeDataDir, startCore, type CoreHandle } from '../core/support/coreOnLab';

const LAB = { name: 'ui', subnet: '10.213.141.0/24', hosts: 3 };
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DOCS_SHOTS = path.join(ROOT, 'docs', 'screenshots');
/** Copies a saved screenshot into docs/screenshots/ when asked to (VFLEET_UPDATE_SCREENSHOTS=1). */
async function publishShot(name: string): Promise<void> {
  if (process.env.VFLEET_UPDATE_SCREENSHOTS === '1') await copyFile(path.join(SHOTS, name), path.join(DOCS_SHOTS, name));
}
/** Long enough for a lab host on 2 busy cores; a step that needs it fails with what it waited for. */
const WAIT = { timeout: 30_000 };
const GUESTS = [
  { host: 'lab-1', name: 'web1', xid: 141, ip: '10.213.141.101' },
  { host: 'lab-2', name: 'web2', xid: 142, ip: '10.213.141.102' },
  { host: 'lab-3', name: 'web3', xid: 143, ip: '10.213.141.103' },
];

describe('the fleet views in Chromium against a 3-host lab', () => {
  let lab: Lab;
  let core: CoreHandle | undefined;
  let app: AppPage | undefined;
  let page: Page;

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    core = await startCore();
    await onboardLabHosts(core.core, lab);
    // Two racks, so the overview groups its hosts by tag.
    for (const [name, tag] of [['lab-1', 'rack-a'], ['lab-2', 'rack-a'], ['lab-3', 'rack-b']] as const) {
      await core.core.invoke('hosts.update', { name, patch: { tags: [tag] } });
    }
    for (const guest of GUESTS) {
      await core.core.invoke('guest.build', {
        host: guest.host,
        build: { name: guest.name, method: 'busybox', xid: guest.xid, hostname: guest.name, interfaces: [{ ip: guest.ip, prefix: 24 }] },
      });
    }
    // web3 stays stopped: the test starts it from the UI.
    await core.core.invoke('guest.start', { host: 'lab-1', guest: 'web1' });
    await core.core.invoke('guest.start', { host: 'lab-2', guest: 'web2' });
    app = await openAppPage(core.core);
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
    await closeCoreAndLab(core, LAB.name);
  });

  const shoot = async (name: string): Promise<void> => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await app!.shot(name);
  };
  const open = (hash: string, heading: string): Promise<void> => app!.open(hash, heading, WAIT.timeout);
  const hostRow = (name: string): Locator => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
  /** Waits until `sleep 600` runs on lab-1 and lab-2 in that many copies each (the guests' processes are the host's too). */
  const waitForSleepers = async (count: number): Promise<void> => {
    const counts = async (): Promise<string[]> => Promise.all(['lab-1', 'lab-2'].map(async (host) => (await lab.exec(host, ['sh', '-c', 'ps -eo args | grep -c "^sleep 600$" || true'])).stdout.trim()));
    const deadline = Date.now() + WAIT.timeout;
    while ((await counts()).some((value) => value !== String(count))) {
      if (Date.now() > deadline) throw new Error(`sleep 600 did not reach ${count} per host: ${(await counts()).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const cgroupFile = async (host: string, file: string): Promise<string> => (await lab.exec(host, ['cat', `/sys/fs/cgroup/${file}`])).stdout.trim();
  /** The guest's init, as its pid file on the host names it (pid first), is a live process there. */
  const initRunning = async (host: string, guest: string): Promise<boolean> =>
    (await lab.exec(host, ['sh', '-c', `read pid rest < /run/vfleet/guests/${guest}/init.pid && kill -0 "$pid"`])).code === 0;

  it('shows the inventory: every host connected with its driver and guests, every guest with its state', async () => {
    await page.getByRole('heading', { level: 1, name: 'Fleet overview' }).waitFor(WAIT);
    for (const host of ['lab-1', 'lab-2', 'lab-3']) {
      await hostRow(host).getByText('connected', { exact: true }).waitFor(WAIT);
      expect(await hostRow(host).getByText('namespaces', { exact: false }).count()).toBe(1);
    }
    expect(await hostRow('lab-1').getByRole('cell', { name: '1 / 1' }).count()).toBe(1);
    expect(await hostRow('lab-3').getByRole('cell', { name: '0 / 1' }).count()).toBe(1);
    await page.getByRole('region', { name: 'Fleet totals' }).getByText('2 / 3').waitFor(WAIT);
    // Sparklines need a few samples: wait until the host has drawn one (attached: a flat line, e.g. a saturated CPU, has no height and counts as hidden).
    await page.getByRole('img', { name: 'CPU of lab-1, last minutes' }).locator('path').waitFor({ ...WAIT, state: 'attached' });
    await shoot('overview');

    await open('#/guests', 'Guests');
    const list = page.getByRole('region', { name: 'Guest list' });
    for (const guest of GUESTS) await list.getByRole('link', { name: guest.name, exact: true }).waitFor(WAIT);
    const web1 = list.getByRole('row').filter({ has: page.getByRole('checkbox', { name: 'Select lab-1/web1' }) });
    expect(await web1.getByText('running').count()).toBe(1);
    expect(await web1.getByRole('cell', { name: '141', exact: true }).count()).toBe(1);
    expect(await web1.getByRole('cell', { name: '10.213.141.101' }).count()).toBe(1);
    const web3 = list.getByRole('row').filter({ has: page.getByRole('checkbox', { name: 'Select lab-3/web3' }) });
    expect(await web3.getByText('stopped').count()).toBe(1);
    // The keyboard moves between rows: down from web1's checkbox is web2's.
    await page.getByRole('checkbox', { name: 'Select lab-1/web1' }).focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Select lab-2/web2', undefined, WAIT);
    await shoot('guests');
  });

  it('starts and stops a guest from its page and from the list, and the guest\'s init runs and ends on the host', async () => {
    await open('#/guests/lab-3/web3', 'web3');
    expect(await initRunning('lab-3', 'web3')).toBe(false);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByRole('button', { name: 'Stop', exact: true }).waitFor(WAIT);
    expect(await initRunning('lab-3', 'web3')).toBe(true);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('button', { name: 'Start', exact: true }).waitFor(WAIT);
    expect(await initRunning('lab-3', 'web3')).toBe(false);

    // The same through the guest list's bulk actions.
    await open('#/guests', 'Guests');
    const web3 = page.getByRole('row').filter({ has: page.getByRole('checkbox', { name: 'Select lab-3/web3' }) });
    await page.getByRole('checkbox', { name: 'Select lab-3/web3' }).check();
    await page.getByRole('button', { name: 'Start selected', exact: true }).click();
    await web3.getByText('running', { exact: true }).waitFor(WAIT);
    expect(await initRunning('lab-3', 'web3')).toBe(true);
    await page.getByRole('button', { name: 'Stop selected' }).click();
    await web3.getByText('stopped', { exact: true }).waitFor(WAIT);
    expect(await initRunning('lab-3', 'web3')).toBe(false);
    await page.getByRole('checkbox', { name: 'Select lab-3/web3' }).uncheck();
  });

  it('changes a memory limit live, and the kernel enforces the new value; a wrong value changes nothing', async () => {
    await open('#/guests/lab-1/web1', 'web1');
    const limits = page.getByRole('form', { name: 'Limits of web1' });
    const memory = limits.getByRole('textbox', { name: 'Memory', exact: true });
    await memory.waitFor(WAIT);
    const before = await cgroupFile('lab-1', 'memory/vfleet/web1/memory.limit_in_bytes');

    await memory.fill('lots');
    await limits.getByRole('button', { name: 'Apply limits' }).click();
    await limits.getByText('is not a size').waitFor(WAIT);
    expect(await cgroupFile('lab-1', 'memory/vfleet/web1/memory.limit_in_bytes')).toBe(before);

    await memory.fill('48M');
    await limits.getByRole('button', { name: 'Apply limits' }).click();
    await limits.getByRole('status').getByText('applied live').waitFor(WAIT);
    expect(await cgroupFile('lab-1', 'memory/vfleet/web1/memory.limit_in_bytes')).toBe(String(48 * 1024 * 1024));
    expect(await memory.inputValue()).toBe('48M');
  });

  it('types into the guest terminal and reads the guest\'s answer', async () => {
    await open('#/guests/lab-1/web1', 'web1');
    await page.getByRole('button', { name: 'Open terminal' }).click();
    const terminal = page.getByRole('region', { name: 'Terminal of web1' });
    await terminal.waitFor(WAIT);
    const input = page.getByRole('textbox', { name: 'Terminal input for web1 on lab-1' });
    await input.waitFor(WAIT);
    await input.focus();
    await page.keyboard.type('echo "$(hostname) answers $((40+2))"\n');
    await terminal.getByText('web1 answers 42').waitFor(WAIT);
    await shoot('guest');
    await publishShot('guest.png');
    await page.getByRole('button', { name: 'Close terminal' }).click();
  });

  it('runs one command in two selected guests at once and shows both results', async () => {
    await open('#/guests', 'Guests');
    await page.getByRole('checkbox', { name: 'Select lab-1/web1' }).check();
    await page.getByRole('checkbox', { name: 'Select lab-2/web2' }).check();
    await page.getByRole('button', { name: 'Run command in selected' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run a command in 2 selected guests' });
    await dialog.getByRole('textbox', { name: 'Command' }).fill('echo "$(hostname) at $(cat /proc/1/comm)"; exit 0');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await dialog.getByRole('status').getByText('2 of 2 succeeded').waitFor(WAIT);
    const results = dialog.getByRole('region', { name: 'Results' });
    const row = (target: string): Locator => results.getByRole('row').filter({ has: page.getByRole('rowheader', { name: target }) });
    expect(await row('lab-1/web1').getByText('web1 at ').count()).toBe(1);
    expect(await row('lab-2/web2').getByText('web2 at ').count()).toBe(1);
    expect(await row('lab-1/web1').getByRole('cell', { name: '0', exact: true }).count()).toBe(1);
    await shoot('fleet-exec');

    // A long command cancelled from the dialog: each target reports it, and nothing is left running in the guests.
    await dialog.getByRole('textbox', { name: 'Command' }).fill('sleep 600');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await waitForSleepers(1);
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.getByRole('status').getByText('0 of 2 succeeded').waitFor(WAIT);
    expect(await results.getByText('cancelled').count()).toBe(2);
    await waitForSleepers(0);
    await dialog.getByRole('button', { name: 'Close dialog' }).click();
    await open('#/activity', 'Activity');
    await page.getByRole('region', { name: 'Operations' }).getByRole('row').filter({ hasText: 'Run “sleep 600” in 2 guests' }).getByRole('cell', { name: 'cancelled', exact: true }).waitFor(WAIT);
  });

  it('shows a cut host unreachable with its alert and its guests greyed out, and connected again after heal', async () => {
    await open('#/', 'Fleet overview');
    await lab.cut('lab-3');
    await hostRow('lab-3').getByText('unreachable', { exact: true }).waitFor(WAIT);
    const alerts = page.getByRole('region', { name: 'Active alerts' });
    await alerts.getByRole('link', { name: 'lab-3', exact: true }).waitFor(WAIT);
    await shoot('overview-host-cut');
    await open('#/guests', 'Guests');
    await page.getByRole('row').filter({ has: page.getByRole('checkbox', { name: 'Select lab-3/web3' }) }).getByText('stopped (last known)').waitFor(WAIT);
    await shoot('guests-host-cut');

    await open('#/', 'Fleet overview');
    await lab.heal('lab-3');
    await hostRow('lab-3').getByText('connected', { exact: true }).waitFor(WAIT);
    await alerts.waitFor({ state: 'detached', ...WAIT });
  });

  it('opens a guest by name from the command palette', async () => {
    await open('#/', 'Fleet overview');
    await page.keyboard.press('Control+k');
    const palette = page.getByRole('dialog', { name: 'Command palette' });
    await palette.getByRole('combobox', { name: 'Command' }).fill('web2');
    await palette.getByRole('option', { name: /Open guest web2 on lab-2/ }).waitFor(WAIT);
    await shoot('palette');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'web2', exact: true }).waitFor(WAIT);
    expect(await page.evaluate(() => window.location.hash)).toBe('#/guests/lab-2/web2');
  });

  it('shows every other view populated: a host page with charts, Activity with the audit log, Settings', async () => {
    await open('#/hosts/lab-1', 'lab-1');
    await page.getByRole('region', { name: 'Agent' }).getByText('uploaded on this connection').waitFor(WAIT);
    const chart = (name: string): Locator => page.getByRole('figure', { name, exact: true });
    /** The chart has drawn a line through two samples or more, and its legend's latest values. */
    const drawn = async (name: string): Promise<string[]> => {
      await chart(name).locator('path.recharts-line-curve[d*="L"]').first().waitFor(WAIT);
      return chart(name).locator('.chart-legend strong').allTextContents();
    };
    for (const name of ['CPU of lab-1', 'Memory of lab-1']) await drawn(name);
    const [load] = await drawn('Load of lab-1');
    const [diskUsed] = await drawn('Guest disk of lab-1');
    // What the charts show is the core's own samples of lab-1 (read after them, so they are in its live window)...
    const history = await core!.core.invoke('inventory.history', { host: 'lab-1' });
    expect(load).toMatch(/^\d+\.\d\d$/);
    expect(history.live.map((point) => formatLoad(point.load ?? Number.NaN))).toContain(load);
    expect(history.live.map((point) => formatBytes(point.diskUsedBytes ?? Number.NaN))).toContain(diskUsed);
    // ...and those are lab-1's guest base as the kernel reports it (size less available; others write to this disk too).
    const [blocks, available, blockSize] = (await lab.exec('lab-1', ['stat', '-f', '-c', '%b %a %S', '/vservers'])).stdout.trim().split(' ').map(Number);
    const kernelUsed = ((blocks ?? 0) - (available ?? 0)) * (blockSize ?? 0);
    expect(kernelUsed).toBeGreaterThan(0);
    expect(Math.abs((history.live.at(-1)?.diskUsedBytes ?? 0) - kernelUsed) / kernelUsed).toBeLessThan(0.02);
    // The last 24 hours: the four per-minute charts, each with its maximum and average of the latest minute.
    for (const [name, figure] of [['CPU', /^\d+\.\d+%$/], ['Memory', /^\d+(\.\d)?[BKMGT]$/], ['Load', /^\d+\.\d\d$/], ['Guest disk', /^\d+(\.\d)?[BKMGT]$/]] as const) {
      const day = chart(`${name} of lab-1, per minute (24 h)`);
      await day.locator('svg.recharts-surface').waitFor(WAIT);
      const values = await day.locator('.chart-legend strong').allTextContents();
      expect(values).toHaveLength(2);
      for (const value of values) expect(value).toMatch(figure);
    }
    await shoot('host');

    await open('#/activity', 'Activity');
    const audit = page.getByRole('region', { name: 'Audit log' });
    await audit.getByRole('cell', { name: 'guest.limits' }).first().waitFor(WAIT);
    const operations = page.getByRole('region', { name: 'Operations' });
    await operations.getByRole('rowheader', { name: 'Set limits of lab-1/web1' }).waitFor(WAIT);
    await shoot('activity');

    await open('#/settings', 'Settings');
    const interval = page.getByRole('textbox', { name: /Health sample interval/ });
    await interval.waitFor(WAIT);
    await shoot('settings');
    await interval.fill('50');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('the sample interval is at least 200 ms').waitFor(WAIT);
    expect((await core!.core.invoke('settings.get', {})).healthIntervalMs).toBe(1_000);
    await interval.fill('2000');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Saved and applied.').waitFor(WAIT);
    expect((await core!.core.invoke('settings.get', {})).healthIntervalMs).toBe(2_000);
    await page.getByRole('radio', { name: 'Dark' }).check();
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark', undefined, WAIT);
    await open('#/', 'Fleet overview');
    await shoot('overview-dark');
    await open('#/settings', 'Settings');
    await page.getByRole('radio', { name: 'Follow the system' }).check();
    // The browser context prefers light.
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light', undefined, WAIT);
    // 'Follow the system' follows the OS's preference as it changes.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark', undefined, WAIT);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light', undefined, WAIT);
    await open('#/', 'Fleet overview');
    await page.getByRole('img', { name: 'CPU of lab-1, last minutes' }).locator('path').waitFor({ ...WAIT, state: 'attached' });
    await shoot('overview');
    await publishShot('overview.png');
  });

  it('blocks a host whose key changed, shows the offered fingerprint, and connects once that key is approved', async () => {
    await open('#/hosts/lab-2', 'lab-2');
    await lab.rekey('lab-2');
    // What the admin compares with: the new key's fingerprint, read from the host's own key file.
    const publicKey = (await readFile(`${hostFiles(lab.dir, 'lab-2').hostKeyPath}.pub`, 'utf8')).split(' ')[1] ?? '';
    const offered = sha256Fingerprint(Buffer.from(publicKey, 'base64'));
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByText('key changed', { exact: true }).first().waitFor(WAIT);
    await page.getByText(offered).first().waitFor(WAIT);
    await page.getByRole('button', { name: 'Check the key of lab-2' }).click();
    // The host-key dialog: old and new fingerprints, accepted only with the host's name typed.
    const keys = page.getByRole('dialog', { name: 'Host keys to check' });
    expect(await keys.getByLabel('Fingerprint offered by lab-2', { exact: true }).textContent()).toBe(offered);
    const accept = keys.getByRole('button', { name: 'Accept the new key of lab-2' });
    expect(await accept.isDisabled()).toBe(true);
    await keys.getByLabel('Type lab-2 to accept its new key', { exact: true }).fill('lab-');
    expect(await accept.isDisabled()).toBe(true);
    await keys.getByLabel('Type lab-2 to accept its new key', { exact: true }).fill('lab-2');
    await shoot('host-key-changed');
    await accept.click();
    await keys.getByText('No host key waits for approval.').waitFor(WAIT);
    await keys.getByRole('button', { name: 'Close', exact: true }).click();
    await page.getByRole('button', { name: 'Disconnect' }).waitFor(WAIT);
    expect(core!.core.registry.require('lab-2').trust.accepted?.fingerprint).toBe(offered);
  });

  it('deletes a stopped guest only once its name is typed, and its configuration and root are gone from the host', async () => {
    await open('#/guests/lab-3/web3', 'web3');
    const exists = async (): Promise<boolean> => (await lab.exec('lab-3', ['test', '-e', '/etc/vservers/web3'])).code === 0 || (await lab.exec('lab-3', ['test', '-e', '/vservers/web3'])).code === 0;
    expect(await exists()).toBe(true);
    await page.getByRole('button', { name: 'Delete…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete web3 on lab-3' });
    const confirm = dialog.getByRole('button', { name: 'Delete web3' });
    await dialog.getByRole('textbox', { name: /Type the guest's name/ }).fill('web');
    expect(await confirm.isDisabled()).toBe(true);
    await shoot('guest-delete');
    await dialog.getByRole('textbox', { name: /Type the guest's name/ }).fill('web3');
    await confirm.click();
    await page.getByRole('heading', { level: 1, name: 'lab-3', exact: true }).waitFor(WAIT);
    await page.getByText('No guests on lab-3').waitFor(WAIT);
    expect(await exists()).toBe(false);
  });

  it('explains the next step where there is nothing yet: an empty fleet, an unknown host or guest', async () => {
    const empty = await startCore();
    const emptyServer = await startBrowserMode({ core: empty.core, rendererDir: RENDERER_DIR, log: (line) => app!.serverLog.push(line) });
    const other = await page.context().newPage();
    collectConsoleProblems(other, app!.consoleProblems, false);
    try {
      await other.goto(emptyServer.url);
      await other.getByText('No hosts in the fleet yet').waitFor(WAIT);
      expect(await other.getByText('vfleet import-ssh-config').count()).toBe(1);
      await other.screenshot({ path: path.join(SHOTS, 'overview-empty.png') });
      await other.evaluate(() => { window.location.hash = '#/guests'; });
      await other.getByText('No guests yet').waitFor(WAIT);
      await other.evaluate(() => { window.location.hash = '#/hosts/nosuch'; });
      await other.getByText('There is no host named nosuch in the fleet').waitFor(WAIT);
      await other.evaluate(() => { window.location.hash = '#/guests/lab-1/nosuch'; });
      await other.getByText('There is no guest nosuch on lab-1').waitFor(WAIT);
    } finally {
      await other.close();
      await emptyServer.close();
      await empty.close();
      await removeDataDir(empty);
    }
  });

  it('left nothing in the browser console: no error, no warning', () => {
    expect(app!.consoleProblems).toEqual([]);
  });

  it('says the connection to the core is lost while it is, and shows the fleet as it is now once it reconnects', async () => {
    const port = app!.server.port;
    const quiet = app!.consoleProblems.length;
    await app!.stopServer();
    await page.getByRole('alert').getByText('Connection to the core lost, retrying').waitFor(WAIT);
    await shoot('connection-lost');
    // Changed while the page is cut off: only a fresh snapshot can tell it.
    await core!.core.invoke('guest.stop', { host: 'lab-2', guest: 'web2' });
    const server = await app!.restartServer(port);
    // The new server's token, exchanged in a second tab, gives the browser the cookie the first page's next attempt carries.
    const tab = await page.context().newPage();
    await tab.goto(server.url);
    await tab.close();
    await page.getByRole('alert').getByText('Connection to the core lost').waitFor({ state: 'detached', ...WAIT });
    await open('#/guests/lab-2/web2', 'web2');
    await page.getByRole('button', { name: 'Start', exact: true }).waitFor(WAIT);
    // While the core was gone the browser reported each refused attempt, and nothing else.
    expect(app!.consoleProblems.slice(quiet).filter((line) => !line.includes(`ws://127.0.0.1:${port}/bridge`))).toEqual([]);
  });
});
