// Relay mode: lab-1 and lab-2 cannot reach each other (the lab's partition fault), so the HTTP guest
// of migrate.test.ts moves from lab-1 to lab-2 with its data relayed through the core's two SSH
// connections, chosen by auto mode after the source's probe of lab-2's sshd timed out, while a
// client on lab-3 fetches its URL every 20 ms: the result, the progress and the audit entry say
// relay, the files are identical, the copy on lab-1 is disabled, no key, rsync or relay end is
// left on either host nor any relay open in the core. Auto mode goes direct between hosts that
// reach each other (the rate of both is printed). A relayed run whose target's link is cut during
// the pre-copy ends with the guest running only on its source, nothing left, and a retry that
// moves it. Lab `relay` on 10.213.149.0/24.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { FleetDelta } from '../../shared/api/fleetState';
import type { MigrateResult, MigrationPhase, MigrationProgress } from '../../shared/api/migration';
import { openRelayCount } from '../../electron/core/migration/migrationRelay';
import { hostFiles } from '../lab/labLayout';
import type { Lab } from '../lab/lab';
import { treeManifest, type TreeManifest } from '../agent/support/treeManifest';
import { closeCoreAndLab, type CoreHandle } from '../core/support/coreOnLab';
import {
  CHANGING, guestUrl, labWithHttpGuest, waitForAnswer, without,
} from './support/httpGuest';
import { labShell } from './support/labGuests';
import { stageAgentBundle } from '../agent/support/agentBundle';
import { longestGapMs, phaseTimeline, startClient } from './support/downtime';
import { expectNoMigrationLeft, hostsRunning } from './support/migrationLeftovers';

const LAB = { name: 'relay', subnet: '10.213.149.0/24', hosts: 3 };
const HOSTS = ['lab-1', 'lab-2', 'lab-3'];
const GUEST = 'web';
const GUEST_IP = '10.213.149.101';
const URL = guestUrl(GUEST_IP);

function mib(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1024 / 1024).toFixed(1)} MiB/s`;
}

describe('relay mode: migrating between two hosts that cannot reach each other', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  let before: TreeManifest;
  let relayed: MigrateResult;

  const rootOn = (host: string): string => `/proc/${lab.host(host).initPid}/root/vservers/${GUEST}`;

  beforeAll(async () => {
    ({ lab, handle, before } = await labWithHttpGuest(LAB, { name: GUEST, xid: 401, ip: GUEST_IP }));
    await lab.partition('lab-1', 'lab-2');
  });

  afterAll(() => closeCoreAndLab(handle, LAB.name));

  const runningOn = (): Promise<string[]> => hostsRunning(handle!.core, HOSTS, GUEST);

  /** Nothing of any migration on any host, no rsync or relay end running there, and no relay open in the core. */
  async function nothingLeft(): Promise<void> {
    await expectNoMigrationLeft(handle!.core, lab, HOSTS);
    for (const host of HOSTS) expect(await labShell(lab, host, 'ps -eo args')).not.toMatch(/rsync|migration-relay/);
    expect(openRelayCount()).toBe(0);
  }

  async function migrateWatched(request: { host: string; to: string; transport?: 'auto' | 'direct' | 'relay'; keepSource?: boolean }, client: string):
  Promise<{ result: MigrateResult; progress: MigrationProgress[]; gapMs: number; failedFetches: number; fetches: number; rssGrowth: number }> {
    const core = handle!.core;
    const fetcher = await startClient(lab, client, URL);
    const progress: MigrationProgress[] = [];
    const unsubscribe = core.subscribe((delta: FleetDelta) => { if (delta.type === 'migration') progress.push(delta.progress); });
    // The core's resident memory while the data flows (it runs in this process): what it buffers shows here.
    const rssBefore = process.memoryUsage().rss;
    let rssMax = rssBefore;
    const sampler = setInterval(() => { rssMax = Math.max(rssMax, process.memoryUsage().rss); }, 100);
    try {
      const result = await core.invoke('guest.migrate', { guest: GUEST, verifyPort: 80, ...request });
      await fetcher.answeredAgain();
      const samples = fetcher.stop();
      return {
        result, progress, gapMs: longestGapMs(samples), failedFetches: samples.filter((sample) => !sample.ok).length, fetches: samples.length, rssGrowth: rssMax - rssBefore,
      };
    } finally {
      clearInterval(sampler);
      fetcher.stop();
      unsubscribe();
    }
  }

  it('auto chooses relay after the probe times out, and moves the guest while a client on lab-3 fetches its URL', async () => {
    const { result, progress, gapMs, failedFetches, fetches, rssGrowth } = await migrateWatched({ host: 'lab-1', to: 'lab-2' }, 'lab-3');
    relayed = result;
    const probe = progress.find((entry) => entry.message?.startsWith('relay:'))?.message ?? '';
    console.log(`relayed migration ${result.migration}: client-observed downtime (longest gap on lab-3) ${gapMs} ms; core-measured downtime ${result.downtimeMs} ms, ` +
      `total ${result.totalMs} ms, ${result.bytesSent} bytes in ${result.rounds} rounds at ${mib(result.rateBytesPerSecond)}; ${failedFetches} of ${fetches} fetches failed; ` +
      `phases: ${phaseTimeline(progress)}; probe: ${probe}; the core's resident memory grew by at most ${(rssGrowth / 1024 / 1024).toFixed(1)} MiB`);
    expect(result).toMatchObject({ outcome: 'done', host: 'lab-1', to: 'lab-2', transport: 'relay', sourceKept: true });
    expect(result.preflight.find((check) => check.check === 'transport')).toMatchObject({ outcome: 'ok' });
    expect(probe).toMatch(/not reachable over SSH from the source: .*timed out/);
    expect(result.bytesSent).toBeGreaterThan(200 * 1024 * 1024);
    // 270 MiB went through this process: a core that buffered the stream would have grown by about that much.
    expect(rssGrowth).toBeLessThan(120 * 1024 * 1024);
    expect(result.downtimeMs).toBeGreaterThan(0);
    expect(progress.some((entry) => entry.phase === 'precopy' && entry.transport === 'relay' && entry.bytes > 0)).toBe(true);
    expect(progress.map((entry) => entry.phase)).toEqual(expect.arrayContaining(['precopy', 'switching', 'finalSync', 'arrived', 'started', 'verified', 'committing', 'done']));
    const audit = await handle!.core.invoke('audit.query', { action: 'guest.migrate' });
    expect(audit.find((entry) => entry.result === 'ok')).toMatchObject({ host: 'lab-1', guest: GUEST, detail: { migration: result.migration, transport: 'relay', bytesSent: result.bytesSent } });
  }, 600_000);

  it('answers from lab-2 with every file as it was, and disables the copy on lab-1', async () => {
    await waitForAnswer(lab, 'lab-3', URL);
    const source = await treeManifest(rootOn('lab-1'), undefined, { content: true, mtime: true });
    const target = await treeManifest(rootOn('lab-2'), Object.keys(source), { content: true, mtime: true });
    expect(without(target, CHANGING)).toEqual(without(source, CHANGING));
    expect(without(target, CHANGING)).toEqual(without(before, CHANGING));
    expect(target['srv/data/tool']).toContain('security.capability=0x');
    expect(Object.keys(target).length).toBeGreaterThan(100);
    await expect(handle!.core.agent('lab-1').call('start', { name: GUEST })).rejects.toThrow(new RegExp(`moved to lab-2 by migration ${relayed.migration}`));
    const marker = JSON.parse(await readFile(join(hostFiles(lab.dir, 'lab-1').hostDir, 'etc-vservers', GUEST, 'apps', 'vfleet', 'migration'), 'utf8')) as { state: string };
    expect(marker.state).toBe('moved');
    expect(await runningOn()).toEqual(['lab-2']);
  }, 600_000);

  it('leaves no key, authorised key, staging, rsync or relay end on either host, nor a relay open in the core', async () => {
    expect(await labShell(lab, 'lab-2', 'cat /run/vfleet-lab/authorized_keys')).not.toContain('vfleet-migration-');
    await nothingLeft();
  });

  it('auto goes direct between hosts that reach each other (lab-2 to lab-3)', async () => {
    const { result, gapMs } = await migrateWatched({ host: 'lab-2', to: 'lab-3', keepSource: false }, 'lab-3');
    console.log(`direct migration ${result.migration} for comparison: ${result.bytesSent} bytes in ${result.rounds} rounds at ${mib(result.rateBytesPerSecond)} ` +
      `(relayed: ${mib(relayed.rateBytesPerSecond)}); core-measured downtime ${result.downtimeMs} ms, client-observed (on lab-3 itself) ${gapMs} ms, total ${result.totalMs} ms`);
    expect(result).toMatchObject({ outcome: 'done', to: 'lab-3', transport: 'direct', sourceKept: false });
    expect(await runningOn()).toEqual(['lab-3']);
    await nothingLeft();
  }, 600_000);

  it('link of the target cut during a relayed pre-copy: the source runs on, the journal is aborted once the link heals, and a retry moves the guest', async () => {
    const core = handle!.core;
    await lab.partition('lab-2', 'lab-3');
    const initBefore = (await core.agent('lab-3').call('status', { name: GUEST })).initPid;
    let cut: Promise<void> | undefined;
    const unsubscribe = core.subscribe((delta: FleetDelta) => {
      if (delta.type === 'migration' && !cut && delta.progress.phase === 'precopy' && delta.progress.transport === 'relay' && delta.progress.bytes > 0) cut = lab.cut('lab-2');
    });
    let outcome: string;
    try {
      outcome = await core.invoke('guest.migrate', { host: 'lab-3', guest: GUEST, to: 'lab-2', verifyPort: 80 }).then(() => 'done', (error: unknown) => String(error));
      await cut;
    } finally {
      unsubscribe();
    }
    expect(cut).toBeDefined();
    expect(outcome).toMatch(/failed: .*could not be resolved yet/);
    // The source never stopped: the same init runs (lab-2 cannot be asked until its link heals).
    expect((await core.agent('lab-3').call('status', { name: GUEST })).initPid).toBe(initBefore);
    expect(openRelayCount()).toBe(0);
    await lab.heal('lab-2');
    const deadline = Date.now() + 120_000;
    let phase: MigrationPhase | undefined;
    for (;;) {
      phase = (await core.invoke('migrations.list', {})).at(-1)?.phase;
      if (phase === 'aborted' || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(phase).toBe('aborted');
    expect(await runningOn()).toEqual(['lab-3']);
    const onLab3 = await treeManifest(rootOn('lab-3'), undefined, { content: true, mtime: true });
    expect(without(onLab3, CHANGING)).toEqual(without(before, CHANGING));
    // The target's rsync, cut off from its stream, gives up after rsync's I/O timeout at the latest.
    const rsyncGone = Date.now() + 90_000;
    while (/rsync|migration-relay/.test(await labShell(lab, 'lab-2', 'ps -eo args')) && Date.now() < rsyncGone) await new Promise((resolve) => setTimeout(resolve, 500));
    await nothingLeft();

    const retried = await core.invoke('guest.migrate', { host: 'lab-3', guest: GUEST, to: 'lab-2', verifyPort: 80, keepSource: false });
    expect(retried).toMatchObject({ outcome: 'done', to: 'lab-2', transport: 'relay' });
    // Both of lab-2's peers are partitioned from it now; lab-3 is given its link back to check the URL.
    await lab.unpartition('lab-2', 'lab-3');
    await waitForAnswer(lab, 'lab-3', URL);
    expect(await runningOn()).toEqual(['lab-2']);
    const onLab2 = await treeManifest(rootOn('lab-2'), undefined, { content: true, mtime: true });
    expect(without(onLab2, CHANGING)).toEqual(without(before, CHANGING));
    await nothingLeft();
  }, 900_000);

  it('the relay\'s target end refuses anything but an rsync server command, a migration with no staging here, and bad words, changing nothing', async () => {
    // A copy where lab hosts see it (/var/tmp; the repository may be below /tmp, which each host has its own of).
    const staged = stageAgentBundle();
    onTestFinished(() => staged.remove());
    const relayEnd = (words: string[], input: string): ReturnType<Lab['exec']> => lab.exec('lab-3', ['node', staged.path, 'migration-relay', ...words], { input, timeoutMs: 30_000 });
    await labShell(lab, 'lab-3', 'mkdir -p /vservers/.vfleet-migration/m-relaytest01/root');
    try {
      const shell = await relayEnd(['target', 'm-relaytest01', 'root'], 'sh -c "touch /pwned"\n');
      expect(shell.code).not.toBe(0);
      expect(shell.stderr).toMatch(/does not start with an rsync server command/);
      const sender = await relayEnd(['target', 'm-relaytest01', 'root'], 'rsync --server --sender -logDtpre.iLsfxC . /etc/\n');
      expect(sender.code).not.toBe(0);
      expect(await labShell(lab, 'lab-3', 'ls -A /vservers/.vfleet-migration/m-relaytest01/root; test ! -e /pwned && echo clean')).toBe('clean\n');
    } finally {
      await labShell(lab, 'lab-3', 'rm -rf /vservers/.vfleet-migration/m-relaytest01; rmdir /vservers/.vfleet-migration 2>/dev/null || true');
    }
    expect((await relayEnd(['target', 'm-nostaging01', 'root'], 'rsync --server . root/\n')).stderr).toMatch(/has no staging directory here/);
    expect((await relayEnd(['target', 'm-relaytest01', '../etc'], '')).stderr).toMatch(/usage: migration-relay/);
    expect((await relayEnd(['target', '../../etc', 'root'], '')).stderr).toMatch(/usage: migration-relay/);
  });
});
