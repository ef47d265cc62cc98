// Faults in the middle of a migration, each of which must end with exactly one running copy, the
// guest's files intact and nothing left (key, authorised key, marker, staged or half-copied root)
// that blocks a retry: the target's link cut during pre-copy, the target's guest filesystem full,
// the target's agent killed right after the start on the target, and the core's own process
// killed during the switch (a new core on the same data folder resolves the journal). Lab `migr`
// on 10.213.142.0/24.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetDelta } from '../../shared/api/fleetState';
import type { MigrationPhase, MigrationProgress } from '../../shared/api/migration';
import { labDown, labUp, type Lab } from '../lab/lab';
import { treeManifest, type TreeManifest } from '../agent/support/treeManifest';
import { onboardLabHosts, pinAgentBundle, removeDataDir, startCore, unpinAgentBundle, type CoreHandle } from '../core/support/coreOnLab';

const LAB = { name: 'migr', subnet: '10.213.142.0/24', hosts: 3 };
const GUEST = 'app';
const GUEST_IP = '10.213.142.111';
const URL = `http://${GUEST_IP}/index.html`;
const HOSTS = ['lab-1', 'lab-2', 'lab-3'];

const SETUP_SCRIPT = `
set -e
cd "$1"
mkdir -p www srv
printf 'app\\n' > www/index.html
dd if=/dev/urandom of=srv/bulk bs=1M count=100 status=none
mkfifo srv/fifo
printf '#!/bin/sh\\n[ "$1" = start ] && busybox httpd -p 80 -h /www\\nexit 0\\n' > etc/init.d/S50httpd
chmod 755 etc/init.d/S50httpd
`;

describe('faults during a migration', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  let manifest: TreeManifest;

  // Through the host's own mount namespace: lab-2's guests may sit on the small filesystem mounted there.
  const rootOn = (host: string): string => `/proc/${lab.host(host).initPid}/root/vservers/${GUEST}`;
  const shell = async (host: string, script: string): Promise<string> => (await lab.exec(host, ['sh', '-c', script], { timeoutMs: 60_000 })).stdout;

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    handle = await startCore();
    await onboardLabHosts(handle.core, lab);
    await handle.core.invoke('guest.build', { host: 'lab-1', build: { name: GUEST, method: 'busybox', xid: 411, interfaces: [{ ip: GUEST_IP, prefix: 24 }] } });
    const setup = await lab.exec('lab-1', ['sh', '-c', SETUP_SCRIPT, 'sh', `/vservers/${GUEST}`], { timeoutMs: 60_000 });
    expect(setup.stderr).toBe('');
    await handle.core.invoke('guest.start', { host: 'lab-1', guest: GUEST });
    manifest = await treeManifest(rootOn('lab-1'), undefined, { content: true, mtime: true });
  });

  afterAll(async () => {
    await handle?.close();
    await removeDataDir(handle);
    await unpinAgentBundle();
    await labDown({ name: LAB.name });
  });

  /** Which hosts run the guest, as their agents say (the kernel's view, not the fleet state's). */
  async function runningOn(): Promise<string[]> {
    const hosts: string[] = [];
    for (const host of HOSTS) {
      const listed = await handle!.core.agent(host).call('list', {});
      if (listed.guests.some((entry) => entry.config.name === GUEST && entry.status.state === 'running')) hosts.push(host);
    }
    return hosts;
  }

  /** Nothing of any migration left on any host: keys, authorised keys, staging, markers, holds, half-made configurations. */
  async function nothingLeft(): Promise<void> {
    for (const host of HOSTS) {
      const left = await handle!.core.agent(host).call('migrationList', {});
      expect({ host, ...left }).toEqual({ host, markers: expect.any(Array), staging: [], keys: [], authorized: [], held: [] });
      expect(left.markers.filter((entry) => entry.marker.state !== 'moved')).toEqual([]);
      expect(await shell(host, 'cat /run/vfleet-lab/authorized_keys; ls -A /etc/vservers')).not.toMatch(/vfleet-migration-|arriving/);
    }
  }

  async function answers(host: string): Promise<boolean> {
    return (await lab.exec(host, ['curl', '-sf', '-m', '2', URL], { timeoutMs: 10_000 })).stdout === 'app\n';
  }

  /** Starts a migration and calls `fault` once at the first progress that `when` accepts; resolves with the migration's error. */
  async function migrateWithFault(to: string, from: string, when: (progress: MigrationProgress) => boolean, fault: () => Promise<void>): Promise<string> {
    const core = handle!.core;
    let fired: Promise<void> | undefined;
    const unsubscribe = core.subscribe((delta: FleetDelta) => {
      if (delta.type === 'migration' && !fired && when(delta.progress)) fired = fault();
    });
    try {
      const outcome = await core.invoke('guest.migrate', { host: from, guest: GUEST, to, verifyPort: 80 }).then(() => 'done', (error: unknown) => String(error));
      await fired;
      return outcome;
    } finally {
      unsubscribe();
    }
  }

  async function journalPhase(migration: string | undefined): Promise<MigrationPhase | undefined> {
    return (await handle!.core.invoke('migrations.list', {})).find((journal) => journal.migration === migration)?.phase;
  }

  async function waitForJournal(phase: MigrationPhase, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const last = (await handle!.core.invoke('migrations.list', {})).at(-1);
      if (last?.phase === phase) return last.migration;
      if (Date.now() > deadline) throw new Error(`the last journal is ${last?.phase} (${last?.note ?? ''}), not ${phase}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

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
    const killAgent = async (): Promise<void> => {
      const pids = (await shell('lab-3', 'ps -eo pid=,args= | grep "[v]fleet-agent.js serve" | awk \'{print $1}\'')).trim().split(/\s+/).filter(Boolean);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) await lab.exec('lab-3', ['kill', '-KILL', pid]);
    };
    const outcome = await migrateWithFault('lab-3', 'lab-2', (progress) => progress.phase === 'started', killAgent);
    expect(outcome).toMatch(/rolled back: app runs on lab-2, nothing left on lab-3/);
    expect(await runningOn()).toEqual(['lab-2']);
    expect(await answers('lab-1')).toBe(true);
    await nothingLeft();
    expect(await treeManifest(rootOn('lab-2'), undefined, { content: true, mtime: true })).toEqual(manifest);
  });

  it('the core\'s process killed during the switch: a new core on its data folder rolls the journal back; the retry moves the guest', async () => {
    const dataDir = handle!.dataDir;
    await handle!.close();
    const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'test', 'migration', 'support', 'migrateInChild.ts'), dataDir, await pinAgentBundle(), 'lab-2', GUEST, 'lab-3', 'stop'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let migration: string | undefined;
    const killed = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        for (const line of output.split('\n')) {
          if (!line.startsWith('{"migration"')) continue;
          const progress = JSON.parse(line) as MigrationProgress;
          migration = progress.migration;
          if (progress.phase === 'finalSync' && !child.killed) {
            child.kill('SIGKILL');
            resolve();
          }
        }
      });
      child.on('exit', () => resolve());
    });
    await killed;
    expect(output).not.toContain('"result"');
    // The new core takes the unfinished journal at its start and resolves it as soon as both hosts answer.
    handle = await startCore({ dataDir });
    // What `vfleet migrations --resume` does: resolve now (waiting for the hosts), rather than at the next retry.
    await handle.core.invoke('migrations.resolve', {});
    const deadline = Date.now() + 90_000;
    while ((await journalPhase(migration)) !== 'rolledBack') {
      if (Date.now() > deadline) throw new Error(`the journal of ${migration} is ${await journalPhase(migration)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await runningOn()).toEqual(['lab-2']);
    await nothingLeft();
    expect(await treeManifest(rootOn('lab-2'), undefined, { content: true, mtime: true })).toEqual(manifest);
    const moved = await handle.core.invoke('guest.migrate', { host: 'lab-2', guest: GUEST, to: 'lab-3', verifyPort: 80 });
    expect(moved.outcome).toBe('done');
    expect(await runningOn()).toEqual(['lab-3']);
    expect(await answers('lab-1')).toBe(true);
  });
});
