// The vfleet command line against a 3-host lab, as an admin types it: add and approve hosts,
// inventory, stat, guest actions, fleet-wide exec and the audit log, with exit codes.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetSnapshotSchema } from '../../shared/api/fleetState';
import { labDown, labUp, type Lab } from '../lab/lab';
import { labFingerprint } from './support/coreOnLab';
import { REPOSITORY_ROOT, runVfleet, type CliResult } from './support/vfleetCommand';

const LAB = { name: 'coretest-5', subnet: '10.213.115.0/24', hosts: 3 };
const ROOT = REPOSITORY_ROOT;

describe('vfleet CLI', () => {
  let lab: Lab;
  let configDir = '';

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist/cli/vfleet.cjs'))) throw new Error('dist/cli/vfleet.cjs is missing: run npm run build (npm test does)');
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    configDir = await mkdtemp(path.join(tmpdir(), 'vfleet-cli-'));
  });

  afterAll(async () => {
    await rm(configDir, { recursive: true, force: true });
    await labDown({ name: LAB.name });
  });

  // The installed command, as admins run it.
  const vfleet = (...argv: string[]): Promise<CliResult> => runVfleet(['--connect-timeout', '60', ...argv], { cwd: ROOT, env: { ...process.env, VFLEET_CONFIG_DIR: configDir } });

  it('adds hosts, shows the key each offers and connects them once approved', async () => {
    for (const host of lab.hosts) {
      const added = await vfleet('hosts', 'add', host.name, host.address, '--key', lab.keyPath, '--tag', 'lab');
      expect(added.code, added.stderr).toBe(0);
    }
    const shown = await vfleet('hosts', 'approve', 'lab-1');
    expect(shown.code).toBe(1);
    expect(shown.stdout).toContain(await labFingerprint(lab, 'lab-1'));
    const inventoryBefore = await vfleet('inventory');
    expect(inventoryBefore.code).toBe(1);
    expect(inventoryBefore.stderr).toMatch(/Host lab-2 \(10\.213\.115\.2:22\) offered an unknown ssh-ed25519 key SHA256:/);
    for (const host of lab.hosts) {
      const approved = await vfleet('hosts', 'approve', host.name, await labFingerprint(lab, host.name));
      expect(approved.code, approved.stderr).toBe(0);
    }
    const connected = await vfleet('hosts', 'connect');
    expect(connected.code, connected.stdout + connected.stderr).toBe(0);
    expect(connected.stdout.split('\n').filter((line) => / connected /.test(line))).toHaveLength(3);
  });

  it('builds, starts and lists guests, and prints every host and guest as JSON', async () => {
    for (const [host, guest, xid] of [['lab-1', 'web', '401'], ['lab-2', 'db', '402']] as const) {
      expect((await vfleet('guest', 'build', host, guest, '--xid', xid)).code).toBe(0);
      const started = await vfleet('guest', 'start', host, guest);
      expect(started.stdout).toMatch(new RegExp(`^${host}/${guest}: running \\(xid ${xid}, init pid \\d+\\)`));
    }
    const inventory = await vfleet('inventory', '--json');
    expect(inventory.code, inventory.stderr).toBe(0);
    const snapshot = fleetSnapshotSchema.parse(JSON.parse(inventory.stdout));
    expect(snapshot.hosts.map((host) => host.name)).toEqual(['lab-1', 'lab-2', 'lab-3']);
    expect(snapshot.hosts.flatMap((host) => host.guests.map((guest) => `${host.name}/${guest.name}:${guest.state}`)).sort()).toEqual(['lab-1/web:running', 'lab-2/db:running']);
  });

  it('prints vserver-stat for the whole fleet with a HOST column', async () => {
    const stat = await vfleet('stat');
    expect(stat.code, stat.stderr).toBe(0);
    const lines = stat.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('HOST   CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME');
    expect(lines.some((line) => /^lab-1 {2}401 +\d+ .* web$/.test(line))).toBe(true);
    expect(lines.some((line) => /^lab-2 {2}402 +\d+ .* db$/.test(line))).toBe(true);
  });

  it('runs a command in one guest and across the fleet, failing when a target fails', async () => {
    const one = await vfleet('guest', 'exec', 'lab-1', 'web', '--', 'sh', '-c', 'echo inside; exit 4');
    expect(one.stdout).toBe('inside\n');
    expect(one.code).toBe(4);
    const all = await vfleet('exec', '--hosts', 'lab', '--', 'echo', 'hi');
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('== lab-1/web: exit 0\nhi\n');
    expect(all.stdout).toContain('2 of 2 succeeded');
    const failing = await vfleet('exec', '--guests', 'db', '--', 'false');
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('== lab-2/db: exit 1');
  });

  it('names the host and guest in errors and exits non-zero', async () => {
    const missing = await vfleet('guest', 'start', 'lab-3', 'nosuch');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^vfleet: Host lab-3, guest nosuch: /);
    const wrong = await vfleet('guest', 'frobnicate', 'lab-1', 'web');
    expect(wrong.code).toBe(2);
  });

  it('shows the audit log of what was done', async () => {
    const audit = await vfleet('audit', '--host', 'lab-1');
    expect(audit.code).toBe(0);
    expect(audit.stdout.split('\n')[0]).toMatch(/^TIME +USER +ACTION +HOST +GUEST +RESULT +MS$/);
    expect(audit.stdout).toMatch(/guest\.start +lab-1 +web +ok/);
    expect(audit.stdout).toMatch(/guest\.exec +lab-1 +web +error: Host lab-1, guest web: 'sh' exited with code 4/);
  });
});
