// A running busybox guest serving a file over HTTP on its own address moves from lab-1 to lab-2
// while a client on lab-3 fetches the URL every 20 ms: the same URL answers from lab-2 (lab-3's
// neighbour entry names lab-2's MAC), the longest gap the client saw is printed as the downtime it
// observed, the files are identical (content, owners, modes, links, devices, fifos, xattrs with a
// security.* one, ACLs, sparseness, mtimes), the copy on lab-1 is disabled and refuses to start
// naming the migration, the transfer key is gone from both hosts, and a second migration or a
// change during the first is refused busy. Lab `migr` on 10.213.142.0/24.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetDelta } from '../../shared/api/fleetState';
import type { MigrateResult, MigrationProgress } from '../../shared/api/migration';
import { hostFiles } from '../lab/labLayout';
import { labDown, type Lab } from '../lab/lab';
import { treeManifest, type TreeManifest } from '../agent/support/treeManifest';
import { removeDataDir, unpinAgentBundle, waitFor, type CoreHandle } from '../core/support/coreOnLab';
import {
  CHANGING, guestUrl, labWithHttpGuest, waitForAnswer as answerFrom, without,
} from './support/httpGuest';
import { labShell as shellOn } from './support/labGuests';
import { longestGapMs, phaseTimeline, startClient, type HttpClient } from './support/downtime';

const LAB = { name: 'migr', subnet: '10.213.142.0/24', hosts: 3 };
const GUEST = 'web';
const GUEST_IP = '10.213.142.101';
const URL = guestUrl(GUEST_IP);

describe('migrating a running guest from lab-1 to lab-2', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  let before: TreeManifest;
  let result: MigrateResult;
  const progress: MigrationProgress[] = [];
  let secondAttempt: unknown;
  let changeAttempt: unknown;

  const rootOn = (host: string): string => join(hostFiles(lab.dir, host).hostDir, 'vservers', GUEST);
  const labShell = (host: string, script: string, ...args: string[]): Promise<string> => shellOn(lab, host, script, ...args);
  const startClientOn = (host: string): Promise<HttpClient> => startClient(lab, host, URL);
  const waitForAnswer = (host: string): Promise<void> => answerFrom(lab, host, URL);

  beforeAll(async () => {
    ({ lab, handle, before } = await labWithHttpGuest(LAB, { name: GUEST, xid: 401, ip: GUEST_IP }));
  });

  afterAll(async () => {
    await handle?.close();
    await removeDataDir(handle);
    await unpinAgentBundle();
    await labDown({ name: LAB.name });
  });

  it('has the fidelity content in the source, a security.* xattr included', () => {
    expect(before['srv/data/tool']).toContain('security.capability=0x');
    expect(before['srv/data/owned']).toMatch(/file 660 1234:2345 .*system\.posix_acl_access=.*trusted\.vfleet=.*user\.origin=/);
    expect(before['srv/shared']).toContain('system.posix_acl_default=');
    expect(before['srv/data/sparse']).toContain(' sparse ');
    expect(before['srv/null-device']).toContain('char 644 0:0 - 1:3');
    expect(before['srv/fifo']).toMatch(/^fifo /);
    expect(before['srv/shared/owned-hardlink']).toContain('links=srv/data/owned');
    expect(before['srv/shared/owned-symlink']).toContain('../data/owned');
    expect(before['srv/data/owned']).toContain('mtime=981173106123456789');
  });

  it('moves the guest while a client on lab-3 fetches its URL every 20 ms, and refuses a second migration and a change meanwhile', async () => {
    const core = handle!.core;
    const client = await startClientOn('lab-3');
    const unsubscribe = core.subscribe((delta: FleetDelta) => { if (delta.type === 'migration') progress.push(delta.progress); });
    const moving = core.invoke('guest.migrate', { host: 'lab-1', guest: GUEST, to: 'lab-2', verifyPort: 80 });
    await waitFor('the pre-copy to begin', () => progress.some((entry) => entry.phase === 'precopy'), 60_000);
    secondAttempt = await core.invoke('guest.migrate', { host: 'lab-1', guest: GUEST, to: 'lab-3' }).catch((error: unknown) => error);
    changeAttempt = await core.invoke('guest.stop', { host: 'lab-1', guest: GUEST }).catch((error: unknown) => error);
    result = await moving;
    unsubscribe();
    await client.answeredAgain();
    const samples = client.stop();
    const gapMs = longestGapMs(samples);
    console.log(`migration ${result.migration}: client-observed downtime (longest gap between answers on lab-3) ${gapMs} ms; ` +
      `core-measured downtime ${result.downtimeMs} ms, total ${result.totalMs} ms, ${result.bytesSent} bytes sent in ${result.rounds} rounds at ` +
      `${(result.rateBytesPerSecond / 1024 / 1024).toFixed(1)} MiB/s; ${samples.filter((sample) => !sample.ok).length} of ${samples.length} fetches failed; ` +
      `phases: ${phaseTimeline(progress)}; ${progress.flatMap((entry) => (entry.message?.startsWith('round') ? [entry.message] : [])).join('; ')}`);
    expect(result).toMatchObject({ outcome: 'done', host: 'lab-1', to: 'lab-2', xid: 401, sourceKept: true });
    expect(result.preflight.filter((check) => check.outcome === 'failed')).toEqual([]);
    expect(result.bytesSent).toBeGreaterThan(200 * 1024 * 1024);
    expect(result.downtimeMs).toBeGreaterThan(0);
    expect(result.announced).toEqual([{ ip: GUEST_IP, device: 'eth0' }]);
    expect(progress.map((entry) => entry.phase)).toEqual(expect.arrayContaining(['precopy', 'switching', 'finalSync', 'arrived', 'started', 'verified', 'committing', 'done']));
    expect(progress.some((entry) => entry.phase === 'precopy' && entry.bytes > 0)).toBe(true);
  });

  it('refused the second migration and the stop while the first ran, naming the migration', () => {
    expect(String(secondAttempt)).toMatch(new RegExp(`busy: migration ${result.migration} of web from lab-1 to lab-2`));
    expect(String(changeAttempt)).toMatch(new RegExp(`busy: migration ${result.migration}`));
  });

  it('answers the same URL from lab-2: the guest runs there, lab-3 reaches it through lab-2', async () => {
    const core = handle!.core;
    await waitForAnswer('lab-3');
    const onTarget = await core.invoke('guest.exec', { host: 'lab-2', guest: GUEST, argv: ['busybox', 'wget', '-q', '-O', '-', 'http://127.0.0.1/index.html'] });
    expect(onTarget.stdout).toBe('served by the guest\n');
    const lab2Mac = (await labShell('lab-2', 'cat /sys/class/net/eth0/address')).trim();
    expect(await labShell('lab-3', `ip neigh show ${GUEST_IP}`)).toContain(lab2Mac);
    await waitFor('lab-1\'s copy shown stopped', () => core.state.guest('lab-1', GUEST)?.state === 'stopped', 10_000);
    await waitFor('lab-2\'s copy shown running', () => core.state.guest('lab-2', GUEST)?.state === 'running', 10_000);
  });

  it('keeps every file as it was: the target equals the source\'s stopped copy, and what was there before', async () => {
    const source = await treeManifest(rootOn('lab-1'), undefined, { content: true, mtime: true });
    const target = await treeManifest(rootOn('lab-2'), Object.keys(source), { content: true, mtime: true });
    // The guest's writer keeps changing one file on lab-2; everything else is as the source left it.
    expect(without(target, CHANGING)).toEqual(without(source, CHANGING));
    expect(without(target, CHANGING)).toEqual(without(before, CHANGING));
    expect(Object.keys(target).length).toBeGreaterThan(100);
  });

  it('disables the copy on lab-1: its start is refused naming the migration, its autostart mark removed', async () => {
    const core = handle!.core;
    // The core refuses first: the guest's address belongs to the copy running on lab-2.
    await expect(core.invoke('guest.start', { host: 'lab-1', guest: GUEST })).rejects.toThrow(/already configured for guest lab-2\/web, which is running/);
    // The agent on lab-1 refuses on its own, by the marker, whoever asks.
    await expect(core.agent('lab-1').call('start', { name: GUEST })).rejects.toThrow(new RegExp(`moved to lab-2 by migration ${result.migration}`));
    const marker = JSON.parse(await readFile(join(hostFiles(lab.dir, 'lab-1').hostDir, 'etc-vservers', GUEST, 'apps', 'vfleet', 'migration'), 'utf8')) as { state: string };
    expect(marker.state).toBe('moved');
    const lab2Marker = await lab.exec('lab-2', ['test', '-e', `/etc/vservers/${GUEST}/apps/vfleet/migration`]);
    expect(lab2Marker.code).toBe(1);
    // The admin may still start the backup on purpose, once the new copy no longer holds its address.
    expect((await core.invoke('guest.stop', { host: 'lab-2', guest: GUEST })).state).toBe('stopped');
    expect((await core.invoke('guest.start', { host: 'lab-1', guest: GUEST, force: true })).state).toBe('running');
    expect((await core.invoke('guest.stop', { host: 'lab-1', guest: GUEST })).state).toBe('stopped');
    expect((await core.invoke('guest.start', { host: 'lab-2', guest: GUEST })).state).toBe('running');
  });

  it('leaves no transfer key, authorised key or staging behind on either host', async () => {
    expect(await labShell('lab-2', 'cat /run/vfleet-lab/authorized_keys')).not.toContain('vfleet-migration-');
    expect(await labShell('lab-1', 'ls -A /run/vfleet/migration 2>/dev/null || true')).toBe('');
    expect(await labShell('lab-2', 'ls -A /vservers/.vfleet-migration 2>/dev/null || true')).toBe('');
    // The migration's entry with its figures, and the refused second one with its cause.
    const audit = await handle!.core.invoke('audit.query', { action: 'guest.migrate' });
    expect(audit.map((entry) => entry.result).sort()).toEqual(['error', 'ok']);
    expect(audit.find((entry) => entry.result === 'ok')).toMatchObject({
      host: 'lab-1', guest: GUEST, detail: { migration: result.migration, to: 'lab-2', downtimeMs: result.downtimeMs, bytesSent: result.bytesSent },
    });
    expect(audit.find((entry) => entry.result === 'error')?.error).toMatch(/busy: migration/);
  });

  it('freeze mode: a target that fails verification is discarded and the source thawed, never restarted', async () => {
    const core = handle!.core;
    const before = await core.invoke('guest.exec', { host: 'lab-2', guest: GUEST, argv: ['cat', '/proc/1/stat'] });
    // Nothing listens on port 81 in the guest: the target copy can never be verified.
    const failed = await core.invoke('guest.migrate', { host: 'lab-2', guest: GUEST, to: 'lab-3', mode: 'freeze', verifyPort: 81 }).catch((error: unknown) => error);
    expect(String(failed)).toMatch(/failed: .*port 81 .*rolled back: web runs on lab-2, nothing left on lab-3/);
    const after = await core.invoke('guest.exec', { host: 'lab-2', guest: GUEST, argv: ['cat', '/proc/1/stat'] });
    // The same init (its start time is field 22 of its stat) answers: the source was thawed, not booted again.
    expect(after.stdout.split(' ')[21]).toBe(before.stdout.split(' ')[21]);
    await waitForAnswer('lab-1');
    expect(await labShell('lab-3', `ls -A /etc/vservers /vservers; ls -A /vservers/.vfleet-migration 2>/dev/null || true`)).not.toMatch(new RegExp(`\\b${GUEST}\\b`));
    expect(await labShell('lab-3', 'cat /run/vfleet-lab/authorized_keys')).not.toContain('vfleet-migration-');
    expect(await labShell('lab-2', 'ls -A /run/vfleet/migration 2>/dev/null || true')).toBe('');
    expect(await lab.exec('lab-2', ['test', '-e', `/etc/vservers/${GUEST}/apps/vfleet/migration`])).toMatchObject({ code: 1 });
    const journals = await core.invoke('migrations.list', {});
    expect(journals.at(-1)).toMatchObject({ host: 'lab-2', to: 'lab-3', mode: 'freeze', phase: 'rolledBack' });
  });

  it('freeze mode: moves the guest from lab-2 to lab-3 and removes the source copy, a client on lab-1 fetching meanwhile', async () => {
    const core = handle!.core;
    const client = await startClientOn('lab-1');
    const moved = await core.invoke('guest.migrate', { host: 'lab-2', guest: GUEST, to: 'lab-3', mode: 'freeze', verifyPort: 80, keepSource: false });
    await client.answeredAgain();
    const samples = client.stop();
    console.log(`freeze-mode migration ${moved.migration}: client-observed downtime (longest gap on lab-1) ${longestGapMs(samples)} ms; ` +
      `core-measured downtime ${moved.downtimeMs} ms, total ${moved.totalMs} ms, ${moved.bytesSent} bytes in ${moved.rounds} rounds at ` +
      `${(moved.rateBytesPerSecond / 1024 / 1024).toFixed(1)} MiB/s; ${samples.filter((sample) => !sample.ok).length} of ${samples.length} fetches failed`);
    expect(moved).toMatchObject({ outcome: 'done', mode: 'freeze', to: 'lab-3', sourceKept: false });
    await waitForAnswer('lab-1');
    expect(await labShell('lab-2', 'ls -A /etc/vservers /vservers')).not.toMatch(new RegExp(`\\b${GUEST}\\b`));
    const source = await treeManifest(rootOn('lab-1'), undefined, { content: true, mtime: true });
    const target = await treeManifest(rootOn('lab-3'), Object.keys(source), { content: true, mtime: true });
    expect(without(target, CHANGING)).toEqual(without(source, CHANGING));
  });
});
