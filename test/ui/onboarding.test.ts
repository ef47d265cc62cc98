// Onboarding end to end: Debian's Chromium, driven by Playwright, on browser mode (the real HTTP
// server and WebSocket bridge) over a real fleet core and a real 3-host lab ('onbui'). The admin
// approves host keys in the host-key dialog after comparing each fingerprint with what the host's
// own `ssh-keygen -lf` prints over ssh, and creates guests with the wizard: the fleet check's
// warning and refusal show as typed, a forced build is found on the host, and a build cancelled
// half-way leaves nothing there. Screenshots go to test-results/ui/onboarding-*.png; the page's
// console must stay empty throughout.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type Lab } from '../lab/lab';
import { hostKeyFileName, sshdDirectoryInHost } from '../lab/ssh/labSshFiles';
import { slowTemplate, truncatedTarball, type SlowTemplate } from '../support/slowTemplate';
import { openAppPage, type AppPage } from './support/chromiumPage';
import { closeCoreAndLab, startCore, type CoreHandle } from '../core/support/coreOnLab';

const LAB = { name: 'onbui', subnet: '10.213.147.0/24', hosts: 3 };
/** Long enough for a lab host on 2 busy cores; a step that needs it fails with what it waited for. */
const WAIT = { timeout: 30_000 };
const run = promisify(execFile);

describe('onboarding in Chromium against a 3-host lab', () => {
  let lab: Lab;
  let core: CoreHandle | undefined;
  let app: AppPage | undefined;
  let page: Page;
  let partDir: string | undefined;
  let feed: SlowTemplate | undefined;

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    core = await startCore();
    partDir = await mkdtemp('/var/tmp/vfleet-onbui-');
    app = await openAppPage(core.core, { viewport: { width: 1440, height: 1000 }, permissions: ['clipboard-read', 'clipboard-write'], shotPrefix: 'onboarding-' });
    page = app.page;
  });

  afterAll(async () => {
    await feed?.end();
    await app?.close();
    await closeCoreAndLab(core, LAB.name);
    if (partDir) await rm(partDir, { recursive: true, force: true });
  });

  const shoot = (name: string): Promise<void> => app!.shot(name);
  /** What the host itself says its key is, asked over ssh with the lab's client configuration. */
  const fingerprintOnHost = async (host: string): Promise<string> => {
    const { stdout } = await run('ssh', ['-F', lab.sshConfigPath, host, `ssh-keygen -lf ${sshdDirectoryInHost}/${hostKeyFileName}.pub`]);
    const fingerprint = stdout.split(' ')[1];
    if (!fingerprint?.startsWith('SHA256:')) throw new Error(`ssh-keygen on ${host} printed ${stdout}`);
    return fingerprint;
  };
  const onHost = async (host: string, script: string): Promise<string> => (await lab.exec(host, ['sh', '-c', script])).stdout.trim();
  /** Everything a build of `name` could leave on the host: configuration, root, temporary build folders, its lock. */
  const leftovers = (host: string, name: string): Promise<string> =>
    onHost(host, `ls -d /etc/vservers/${name} /vservers/${name} /vservers/.vfleet-build-* /etc/vservers/.vfleet/builds/* /etc/vservers/.vfleet/locks/${name}.locks 2>/dev/null; true`);
  const hostRow = (name: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
  const wizard = () => page.getByRole('dialog', { name: 'Create a guest' });

  it('adds a host through the dialog, fields checked as typed, and approves its key after comparing the fingerprint with the host\'s own', async () => {
    await page.getByRole('heading', { level: 1, name: 'Fleet overview' }).waitFor(WAIT);
    await page.getByText('No hosts in the fleet yet').waitFor(WAIT);
    await shoot('empty');
    await page.getByRole('button', { name: 'Add a host' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add a host' });
    // No ssh-agent where this core runs: a key file is preselected, and the dialog says why.
    await dialog.getByText('SSH_AUTH_SOCK is not set').waitFor(WAIT);
    await dialog.getByRole('radio', { name: 'a key file', checked: true }).waitFor(WAIT);
    await dialog.getByLabel('Name', { exact: true }).fill('lab 1');
    await dialog.getByText('a host name starts with a letter or digit').waitFor(WAIT);
    await dialog.getByLabel('Name', { exact: true }).fill('lab-1');
    await dialog.getByLabel('Address', { exact: true }).fill('10.213.147.1:22');
    await dialog.getByText('the address is neither a DNS name nor an IPv4/IPv6 address').waitFor(WAIT);
    await dialog.getByLabel('Address', { exact: true }).fill(lab.host('lab-1').address);
    await dialog.getByLabel('Port', { exact: true }).fill('70000');
    await dialog.getByText('the port is between 1 and 65535').waitFor(WAIT);
    await dialog.getByLabel('Port', { exact: true }).fill(String(lab.host('lab-1').port));
    await dialog.getByLabel('Key file', { exact: true }).fill('id_ed25519');
    await dialog.getByText('the key file path is absolute').waitFor(WAIT);
    await dialog.getByLabel('Key file', { exact: true }).fill(lab.keyPath);
    await dialog.getByLabel('Tags', { exact: true }).fill('rack-a');
    await shoot('add-host');
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();

    // The host offers a key nobody approved yet: the host-key dialog opens on it.
    const keys = page.getByRole('dialog', { name: 'Host keys to check' });
    const shown = await keys.getByLabel('Fingerprint offered by lab-1', { exact: true }).textContent();
    expect(shown).toBe(await fingerprintOnHost('lab-1'));
    const lab1 = keys.getByRole('region', { name: 'Host key of lab-1' });
    expect(await lab1.getByText('ssh-ed25519', { exact: true }).count()).toBe(1);
    expect(await lab1.getByText('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub').count()).toBe(1);
    await lab1.getByRole('button', { name: 'Copy the fingerprint of lab-1' }).click();
    await lab1.getByText('copied').waitFor(WAIT);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
    await shoot('host-key');
    await lab1.getByRole('button', { name: 'Approve lab-1' }).click();
    await keys.getByText('No host key waits for approval.').waitFor(WAIT);
    expect(core!.core.registry.require('lab-1').trust.accepted?.fingerprint).toBe(shown);
    expect(core!.core.registry.require('lab-1').tags).toEqual(['rack-a']);
    await keys.getByRole('button', { name: 'Close', exact: true }).click();
    await hostRow('lab-1').getByText('connected', { exact: true }).waitFor(WAIT);
  });

  it('imports the lab\'s ssh_config through the preview: only the checked hosts are added; their keys approved all at once after a second confirmation', async () => {
    await page.getByRole('button', { name: 'Import hosts' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import hosts' });
    // This user's ~/.ssh/config is prefilled.
    await page.waitForFunction((expected) => document.querySelector<HTMLInputElement>('input[aria-label="File to import"]')?.value === expected, path.join(homedir(), '.ssh', 'config'), WAIT);
    await dialog.getByLabel('File to import', { exact: true }).fill(lab.sshConfigPath);
    await dialog.getByRole('button', { name: 'Preview' }).click();
    const preview = dialog.getByRole('region', { name: 'Import preview' });
    await preview.getByText('2 to add, 1 already registered', { exact: false }).waitFor(WAIT);
    expect(await preview.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'lab-1', exact: true }) }).getByText(/exists as lab-1 \(same name\); differs: tags rack-a → –; not changed/).count()).toBe(1);
    await preview.getByRole('checkbox', { name: 'Import lab-3' }).uncheck();
    await shoot('import-preview');
    await dialog.getByRole('button', { name: 'Import 1 checked host' }).click();
    await dialog.getByText('Added lab-2.').waitFor(WAIT);
    expect((await core!.core.invoke('hosts.list', {})).map((host) => host.name)).toEqual(['lab-1', 'lab-2']);
    // The one left out, on its own.
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await preview.getByText('1 to add, 2 already registered', { exact: false }).waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Import 1 checked host' }).click();
    await dialog.getByText('Added lab-3.').waitFor(WAIT);

    // An Ansible inventory (YAML): its group becomes a tag, an entry that cannot be a host is skipped with why.
    const inventory = path.join(partDir!, 'inventory.yml');
    await writeFile(inventory, [
      'all:', '  children:', '    web:', '      hosts:',
      '        spare1:', '          ansible_host: 10.213.147.77',
      '        spare2:', '          ansible_host: 10.213.147.78', '          ansible_port: 99999', '',
    ].join('\n'));
    await dialog.getByLabel('Source kind', { exact: true }).selectOption('ansible_yaml');
    await dialog.getByLabel('File to import', { exact: true }).fill(inventory);
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await preview.getByText('1 to add, 0 already registered, 1 skipped', { exact: false }).waitFor(WAIT);
    const spare1 = preview.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'spare1', exact: true }) });
    expect(await spare1.getByRole('cell', { name: 'web', exact: true }).count()).toBe(1);
    const spare2 = preview.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'spare2', exact: true }) });
    await spare2.getByText(/^skipped: .*port/).waitFor(WAIT);
    await shoot('import-ansible');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    expect(core!.core.registry.list().map((host) => host.name)).toEqual(['lab-1', 'lab-2', 'lab-3']);

    await core!.core.invoke('hosts.connect', { names: ['lab-2', 'lab-3'] });
    await page.getByRole('button', { name: 'Check 2 host keys' }).click();
    const keys = page.getByRole('dialog', { name: 'Host keys to check' });
    for (const host of ['lab-2', 'lab-3']) expect(await keys.getByLabel(`Fingerprint offered by ${host}`, { exact: true }).textContent()).toBe(await fingerprintOnHost(host));
    // All at once asks again, and approves nothing until the second answer.
    await keys.getByRole('button', { name: 'Approve all 2 pending…' }).click();
    await keys.getByRole('button', { name: 'No', exact: true }).click();
    expect(core!.core.registry.require('lab-2').trust.state).toBe('pending');
    await keys.getByRole('button', { name: 'Approve all 2 pending…' }).click();
    await shoot('host-keys-confirm-all');
    await keys.getByRole('button', { name: 'Yes, approve all 2 keys' }).click();
    await keys.getByText('No host key waits for approval.').waitFor(WAIT);
    for (const host of ['lab-2', 'lab-3']) expect(core!.core.registry.require(host).trust.accepted?.fingerprint).toBe(await fingerprintOnHost(host));
    await keys.getByRole('button', { name: 'Close', exact: true }).click();
    for (const host of ['lab-1', 'lab-2', 'lab-3']) await hostRow(host).getByText('connected', { exact: true }).waitFor(WAIT);
  });

  it('creates a busybox guest with the wizard: a name used elsewhere warns, a held address is refused, the forced build is on the host', async () => {
    // A guest on lab-2 whose name and address the new one collides with.
    await core!.core.invoke('guest.build', {
      host: 'lab-2', build: { name: 'shared', method: 'busybox', xid: 700, interfaces: [{ ip: '10.213.147.102', prefix: 24 }] },
    });
    await page.getByRole('button', { name: 'Create a guest' }).click();
    const dialog = wizard();
    await dialog.getByLabel('Target host', { exact: true }).selectOption('lab-1');
    await dialog.getByRole('group', { name: /Where/ }).getByText('Memory free', { exact: true }).waitFor(WAIT);
    // The context id is prefilled with one free on every host (700 is taken on lab-2).
    await dialog.getByText('is free on every known host').waitFor(WAIT);
    await page.waitForFunction(() => /^\d+$/.test(document.querySelector<HTMLInputElement>('input[aria-label="Context id"]')?.value ?? ''), undefined, WAIT);
    expect(await dialog.getByLabel('Context id', { exact: true }).inputValue()).not.toBe('700');

    await dialog.getByLabel('Name', { exact: true }).fill('bad name');
    await dialog.getByText('a guest name starts with a letter or digit').waitFor(WAIT);
    await dialog.getByLabel('Name', { exact: true }).fill('shared');
    await dialog.getByRole('list', { name: 'Warnings' }).getByText('a guest named shared also exists on host lab-2').waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Add an address' }).click();
    await dialog.getByLabel('Address 1', { exact: true }).fill('10.213.147.102');
    await dialog.getByRole('list', { name: 'Refusals' }).getByText('address 10.213.147.102 is already configured for guest lab-2/shared').waitFor(WAIT);
    await shoot('wizard-conflicts');
    expect(await dialog.getByRole('button', { name: 'Build', exact: true }).isEnabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Build', exact: true }).click();
    // Refused and warned: nothing was sent, nothing is on the host.
    expect(await dialog.getByRole('button', { name: 'Build', exact: true }).isDisabled()).toBe(true);
    expect(await leftovers('lab-1', 'shared')).toBe('');

    await dialog.getByLabel('Address 1', { exact: true }).fill('10.213.147.101');
    await dialog.getByRole('list', { name: 'Refusals' }).waitFor({ state: 'detached', ...WAIT });
    await dialog.getByLabel('Memory (hard)', { exact: true }).fill('64M');
    await dialog.getByLabel('Capability to add', { exact: true }).selectOption('CAP_NET_RAW');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.getByRole('checkbox', { name: /Build anyway despite/ }).check();
    const xid = await dialog.getByLabel('Context id', { exact: true }).inputValue();
    await dialog.getByRole('button', { name: 'Build', exact: true }).click();
    await dialog.getByText('Warnings forced past: a guest named shared also exists on host lab-2').waitFor(WAIT);
    // The same identity again is now refused: the name is taken on lab-1 itself.
    await dialog.getByRole('list', { name: 'Refusals' }).getByText('a guest named shared already exists on host lab-1').waitFor(WAIT);
    await shoot('wizard-built');
    expect(await onHost('lab-1', 'ls /etc/vservers/shared')).toContain('context');
    expect(await onHost('lab-1', 'cat /etc/vservers/shared/context')).toBe(xid);
    // The next free id is suggested for the next guest.
    await dialog.getByText(`${Number(xid) + 1} is free on every known host`).waitFor(WAIT);
    expect(await onHost('lab-1', 'cat /etc/vservers/shared/interfaces/0/ip')).toBe('10.213.147.101');
    expect((await onHost('lab-1', 'cat /etc/vservers/shared/bcapabilities')).toUpperCase()).toContain('NET_RAW');
    const limits = await core!.core.invoke('guest.limits', { host: 'lab-1', guest: 'shared' });
    expect(JSON.stringify(limits)).toContain(String(64 * 1024 * 1024));
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });

  it('cancels a build half-way from the wizard and leaves nothing on the host', async () => {
    feed = await slowTemplate(lab, 'lab-3', '/tmp/onbui-slow.tar', truncatedTarball(), partDir!);
    await page.getByRole('button', { name: 'Create a guest' }).click();
    const dialog = wizard();
    await dialog.getByLabel('Target host', { exact: true }).selectOption('lab-3');
    await dialog.getByLabel('Build method', { exact: true }).selectOption('template');
    await dialog.getByLabel('Template (tarball or directory on the host)', { exact: true }).fill(feed.path);
    await dialog.getByLabel('Name', { exact: true }).fill('slow');
    await dialog.getByText('No conflict in the fleet.').waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Build', exact: true }).click();
    await dialog.getByRole('button', { name: 'Cancel build' }).waitFor(WAIT);
    // tar has written the first file into the temporary root and waits for the rest, which never comes.
    const deadline = Date.now() + WAIT.timeout;
    while ((await onHost('lab-3', 'cat /vservers/.vfleet-build-*/etc/first 2>/dev/null')) !== 'complete') {
      if (Date.now() > deadline) throw new Error('the build never wrote its first file');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The running state counts its time: wait for the first whole second.
    await dialog.getByText('Building lab-3/slow… running for 1 s').waitFor(WAIT);
    await shoot('wizard-building');
    await dialog.getByRole('button', { name: 'Cancel build' }).click();
    await dialog.getByText('The build of lab-3/slow was cancelled; the host stopped it and removed what it had made.').waitFor(WAIT);
    await shoot('wizard-cancelled');
    expect(await leftovers('lab-3', 'slow')).toBe('');
    expect(await onHost('lab-3', 'ps -eo comm= | grep -x tar; true')).toBe('');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });

  it('edits a host from its page: the change is in the registry and the host connects again', async () => {
    await page.evaluate(() => {
      window.location.hash = '#/hosts/lab-1';
    });
    await page.getByRole('heading', { level: 1, name: 'lab-1', exact: true }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit host lab-1' });
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input[aria-label="Tags"]')?.value === 'rack-a', undefined, WAIT);
    expect(await dialog.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
    await dialog.getByLabel('Tags', { exact: true }).fill('rack-a, bad tag!');
    await dialog.getByText('a tag holds only letters').waitFor(WAIT);
    await dialog.getByLabel('Tags', { exact: true }).fill('rack-b');
    await dialog.getByRole('button', { name: 'Save and connect' }).click();
    await dialog.getByText('lab-1 is connected', { exact: false }).waitFor(WAIT);
    expect(core!.core.registry.require('lab-1').tags).toEqual(['rack-b']);
    expect(core!.core.registry.require('lab-1').auth).toEqual({ kind: 'keyFile', keyPath: lab.keyPath, hasPassphrase: false });
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });

  it('removes a host from its page after a confirmation; its guests stay on the host', async () => {
    await page.evaluate(() => {
      window.location.hash = '#/hosts/lab-2';
    });
    await page.getByRole('heading', { level: 1, name: 'lab-2', exact: true }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('button', { name: 'No', exact: true }).click();
    expect(core!.core.registry.list().map((host) => host.name)).toContain('lab-2');
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await shoot('remove-host');
    await page.getByRole('button', { name: 'Yes, remove lab-2' }).click();
    await page.getByRole('heading', { level: 1, name: 'Fleet overview' }).waitFor(WAIT);
    await hostRow('lab-2').waitFor({ state: 'detached', ...WAIT });
    expect(core!.core.registry.list().map((host) => host.name)).toEqual(['lab-1', 'lab-3']);
    expect(await onHost('lab-2', 'cat /etc/vservers/shared/context')).toBe('700');
  });

  it('kept the page\'s console clean', () => {
    expect(app!.consoleProblems).toEqual([]);
  });
});
