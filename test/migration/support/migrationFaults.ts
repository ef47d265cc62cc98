// What the migration fault tests share: where the guest runs (as the agents say), the check that no
// migration left anything on any host, a migration with a fault injected at a chosen phase (in this
// core, or in a core of its own process that is killed there), the journal's phase, and the kill of
// a host's serving agent; and the lab with a busybox guest the tests begin with.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { FleetDelta } from '../../../shared/api/fleetState';
import type { MigrateRequest, MigrationPhase, MigrationProgress } from '../../../shared/api/migration';
import { labDown, labUp, type Lab, type LabOptions } from '../../lab/lab';
import { expectNoMigrationLeft, hostsRunning } from './migrationLeftovers';
import { onboardLabHosts, pinAgentBundle, startCore, type CoreHandle } from '../../core/support/coreOnLab';

/**
 * A lab with a core onboarding every host, and a running busybox guest built on lab-1 that serves
 * `body` as /index.html over HTTP on port 80 and holds `bulkMiB` of random data (srv/bulk); `extra`
 * runs in its root ("$1", as root, `set -e`) before its first start.
 */
export async function labWithBusyboxGuest(options: { lab: LabOptions; guest: string; xid: number; ip: string; body: string; bulkMiB: number; extra?: string }): Promise<{ lab: Lab; handle: CoreHandle }> {
  await labDown({ name: options.lab.name }).catch(() => undefined);
  const lab = await labUp(options.lab);
  const handle = await startCore();
  await onboardLabHosts(handle.core, lab);
  await handle.core.invoke('guest.build', { host: 'lab-1', build: { name: options.guest, method: 'busybox', xid: options.xid, interfaces: [{ ip: options.ip, prefix: 24 }] } });
  const script = `set -e
cd "$1"
mkdir -p www srv
printf %s "$2" > www/index.html
dd if=/dev/urandom of=srv/bulk bs=1M count=${options.bulkMiB} status=none
printf '#!/bin/sh\\n[ "$1" = start ] && busybox httpd -p 80 -h /www\\nexit 0\\n' > etc/init.d/S50httpd
chmod 755 etc/init.d/S50httpd
${options.extra ?? ''}`;
  const setup = await lab.exec('lab-1', ['sh', '-c', script, 'sh', `/vservers/${options.guest}`, options.body], { timeoutMs: 60_000 });
  expect(setup.stderr).toBe('');
  await handle.core.invoke('guest.start', { host: 'lab-1', guest: options.guest });
  return { lab, handle };
}

export interface FaultBench {
  lab(): Lab;
  handle(): CoreHandle;
  /** The core that replaces a killed one (appKilledAt). */
  setHandle(handle: CoreHandle): void;
  guest: string;
  /** The guest's URL and what it answers. */
  url: string;
  body: string;
  hosts: string[];
}

export function migrationFaults(bench: FaultBench) {
  const core = () => bench.handle().core;
  const shell = async (host: string, script: string): Promise<string> => (await bench.lab().exec(host, ['sh', '-c', script], { timeoutMs: 60_000 })).stdout;

  /** Which hosts run the guest, as their agents say (the kernel's view, not the fleet state's). */
  const runningOn = (): Promise<string[]> => hostsRunning(core(), bench.hosts, bench.guest);
  /** Nothing of any migration left on any host (migrationLeftovers.ts). */
  const nothingLeft = (): Promise<void> => expectNoMigrationLeft(core(), bench.lab(), bench.hosts);

  /** Whether the guest's URL answers from `host` now. */
  async function answers(host: string): Promise<boolean> {
    return (await bench.lab().exec(host, ['curl', '-sf', '-m', '2', bench.url], { timeoutMs: 10_000 })).stdout === bench.body;
  }

  /** Until the URL answers from `host` (the guest's httpd starts with its init scripts). */
  async function waitForAnswer(host: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await answers(host))) {
      if (Date.now() > deadline) throw new Error(`${bench.url} does not answer from ${host}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Starts a migration in this core and calls `fault` once at the first progress that `when` accepts;
   * resolves with the migration's outcome ('done' or its error) and its id.
   */
  async function migrateWithFault(
    request: Omit<MigrateRequest, 'guest'>, when: (progress: MigrationProgress) => boolean, fault: () => Promise<void>,
  ): Promise<{ outcome: string; migration?: string; firedIn?: MigrationPhase }> {
    let fired: Promise<void> | undefined;
    let migration: string | undefined;
    let firedIn: MigrationPhase | undefined;
    const unsubscribe = core().subscribe((delta: FleetDelta) => {
      if (delta.type !== 'migration') return;
      migration = delta.progress.migration;
      if (!fired && when(delta.progress)) {
        firedIn = delta.progress.phase;
        fired = fault();
      }
    });
    try {
      const outcome = await core().invoke('guest.migrate', { guest: bench.guest, verifyPort: 80, ...request }).then(() => 'done', (error: unknown) => String(error));
      await fired;
      return { outcome, ...(migration ? { migration } : {}), ...(firedIn ? { firedIn } : {}) };
    } finally {
      unsubscribe();
    }
  }

  async function journalPhase(migration: string | undefined): Promise<MigrationPhase | undefined> {
    return (await core().invoke('migrations.list', {})).find((journal) => journal.migration === migration)?.phase;
  }

  /** Until the journal of `migration` (absent: the newest) is in `phase`. */
  async function waitForJournal(phase: MigrationPhase, timeoutMs: number, migration?: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const journals = await core().invoke('migrations.list', {});
      const journal = migration ? journals.find((entry) => entry.migration === migration) : journals.at(-1);
      if (journal?.phase === phase) return journal.migration;
      if (Date.now() > deadline) throw new Error(`the journal ${journal?.migration ?? ''} is ${journal?.phase} (${journal?.note ?? ''}), not ${phase}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** SIGKILL to every serving agent process of `host`. */
  async function killAgent(host: string): Promise<void> {
    const pids = (await shell(host, 'ps -eo pid=,args= | grep "[v]fleet-agent.js serve" | awk \'{print $1}\'')).trim().split(/\s+/).filter(Boolean);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) await bench.lab().exec(host, ['kill', '-KILL', pid]);
  }

  /**
   * The app's crash at `phase`: this core is closed, the migration runs in a core of its own process
   * on the same data folder (test/migration/support/migrateInChild.ts), which is SIGKILLed at the
   * first progress in `phase` (once `until` resolves, when given); then a new core on that folder
   * takes its place and is asked to resolve now (`vfleet migrations --resume`). Resolves with the
   * migration's id.
   */
  async function appKilledAt(from: string, to: string, mode: 'stop' | 'freeze', phase: MigrationPhase, until?: () => Promise<void>): Promise<string> {
    const { dataDir } = bench.handle();
    await bench.handle().close();
    const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'test', 'migration', 'support', 'migrateInChild.ts'), dataDir, await pinAgentBundle(), from, bench.guest, to, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let migration: string | undefined;
    let killing: Promise<void> | undefined;
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      for (const line of output.split('\n')) {
        if (!line.startsWith('{"migration"')) continue;
        const progress = JSON.parse(line) as MigrationProgress;
        migration = progress.migration;
        if (progress.phase === phase && !killing) killing = (until?.() ?? Promise.resolve()).finally(() => child.kill('SIGKILL'));
      }
    });
    await exited;
    await killing;
    expect(output).not.toContain('"result"');
    if (!migration) throw new Error(`the child core began no migration: ${output}`);
    // The new core takes the unfinished journal at its start and resolves it as soon as both hosts answer.
    const handle = await startCore({ dataDir });
    bench.setHandle(handle);
    await handle.core.invoke('migrations.resolve', {});
    return migration;
  }

  return { shell, runningOn, nothingLeft, answers, waitForAnswer, migrateWithFault, journalPhase, waitForJournal, killAgent, appKilledAt };
}
