// Fencing at boot and two cores failing over at once (docs/architecture.md, "Replicas and failover").
// Two guests of lab-1 are replicated to lab-2. lab-1 is cut and rebooted: its boot cannot ask lab-2
// whether a replica was promoted, so it starts neither. Two cores (two workstations) promote the
// same replica at the same moment: exactly one succeeds, the other is refused (busy or already
// promoted, naming it). After a failover, a reboot while still cut starts nothing either; healed
// and rebooted with no core anywhere, lab-1's boot learns the higher generation from lab-2 itself and
// fences its copies. Lab `repl2` on 10.213.153.0/24.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostFiles } from '../lab/labLayout';
import { labDown, labUp, type Lab } from '../lab/lab';
import { onboardLabHosts, removeDataDir, startCore, unpinAgentBundle, waitFor, type CoreHandle } from '../core/support/coreOnLab';
import { agentOnHost, HTTPD_INIT_SCRIPT, labShell, waitForHttp, waitUntil } from '../migration/support/labGuests';
import { replicaMarker, schedule } from './support/replicaFiles';

const LAB = { name: 'repl2', subnet: '10.213.153.0/24', hosts: 3 };
const GUESTS = [{ name: 'web', xid: 511, ip: '10.213.153.101' }, { name: 'app', xid: 512, ip: '10.213.153.102' }];
const THRESHOLDS = { thresholds: { unreachableGraceMs: 1_000 } };

describe('fencing at boot, and two cores failing over at once', () => {
  let lab: Lab;
  let first: CoreHandle | undefined;
  let second: CoreHandle | undefined;
  const replications = new Map<string, string>();

  const consoleLog = (): Promise<string> => readFile(`${hostFiles(lab.dir, 'lab-1').hostDir}/console.log`, 'utf8');
  /** The console's lines of lab-1's boot, once its vfleet boot has reported on both guests; `healed`: its link back right after the power-on. */
  async function rebootLab1(healed = false): Promise<string> {
    const offset = (await consoleLog()).length;
    await lab.reboot('lab-1');
    if (healed) await lab.heal('lab-1');
    return waitUntil('lab-1\'s vfleet boot to report both guests', async () => {
      const text = (await consoleLog()).slice(offset);
      return GUESTS.every((guest) => text.includes(`vfleet-agent boot: ${guest.name}: `)) && text;
    }, 60_000, 250);
  }
  const runningOnLab1 = async (name: string): Promise<boolean> => /running/.test((await agentOnHost(lab, 'lab-1', 'status', name)).stdout);

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    first = await startCore(THRESHOLDS);
    second = await startCore(THRESHOLDS);
    await onboardLabHosts(first.core, lab);
    await onboardLabHosts(second.core, lab);
    for (const guest of GUESTS) {
      await first.core.invoke('guest.build', { host: 'lab-1', build: { name: guest.name, method: 'busybox', xid: guest.xid, mark: 'default', interfaces: [{ ip: guest.ip, prefix: 24 }] } });
      await labShell(lab, 'lab-1', 'mkdir -p "$1/www" && printf "%s\\n" "$3" > "$1/www/data.txt" && printf %s "$2" > "$1/etc/init.d/S50httpd" && chmod 755 "$1/etc/init.d/S50httpd"',
        `/vservers/${guest.name}`, HTTPD_INIT_SCRIPT, guest.name);
      await first.core.invoke('guest.start', { host: 'lab-1', guest: guest.name });
      const { replica } = await first.core.invoke('guest.replicate', { host: 'lab-1', guest: guest.name, to: 'lab-2', intervalMs: 5_000 });
      replications.set(guest.name, replica.replication);
    }
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await removeDataDir(first);
    await removeDataDir(second);
    await unpinAgentBundle();
    await labDown({ name: LAB.name });
  });

  it('a reboot while lab-1 cannot reach lab-2 starts no replicated guest: it cannot tell whether a replica was promoted', async () => {
    await lab.cut('lab-1');
    const boot = await rebootLab1();
    for (const guest of GUESTS) {
      expect(boot).toContain(`vfleet-agent boot: ${guest.name}: not started: its replica host lab-2 cannot be reached to tell whether the replica was promoted`);
      expect(await runningOnLab1(guest.name)).toBe(false);
    }
    // Not fenced: nothing says it is stale, it is only not started.
    expect((await replicaMarker(lab, 'lab-1', 'web'))).toBeUndefined();
  });

  it('two cores promoting the same replica at once: one succeeds, the other is refused naming the promotion', async () => {
    for (const handle of [first!, second!]) {
      await waitFor('lab-1 unreachable', () => handle.core.snapshot().alerts.some((alert) => alert.id === 'hostUnreachable:lab-1'), 30_000);
    }
    const outcomes = await Promise.allSettled([first!, second!].map((handle) => handle.core.invoke('guest.failover', { host: 'lab-1', guest: 'app' })));
    const succeeded = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
    console.log(`two cores failing over lab-1/app at once: ${succeeded.length} succeeded; refused: ${refused.join(' | ')}`);
    expect(succeeded).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(new RegExp(`busy: promotion of replication ${replications.get('app')}|already promoted: replication ${replications.get('app')}`));
    expect(await replicaMarker(lab, 'lab-2', 'app')).toMatchObject({ role: 'promoted', generation: 2 });
    await waitForHttp(lab, 'lab-3', `http://${GUESTS[1]!.ip}/data.txt`, 'app\n');
    // Both refusals and the promotion are in the audit logs of the two workstations.
    const audits = [...await first!.core.invoke('audit.query', { action: 'guest.failover' }), ...await second!.core.invoke('audit.query', { action: 'guest.failover' })];
    expect(audits.map((entry) => entry.result).sort()).toEqual(['error', 'ok']);
  });

  it('after a failover, a reboot of lab-1 while cut starts neither copy', async () => {
    const called = Date.now();
    const failover = await first!.core.invoke('guest.failover', { host: 'lab-1', guest: 'web' });
    await waitForHttp(lab, 'lab-3', `http://${GUESTS[0]!.ip}/data.txt`, 'web\n');
    console.log(`failover of lab-1/web: call -> first HTTP answer on lab-3 ${Date.now() - called} ms (promotion and start ${failover.durationMs} ms), ` +
      `data age at promotion ${failover.dataAgeMs} ms with syncs every 5 s`);
    const boot = await rebootLab1();
    for (const guest of GUESTS) {
      expect(boot).toContain(`vfleet-agent boot: ${guest.name}: not started: its replica host lab-2 cannot be reached`);
      expect(await runningOnLab1(guest.name)).toBe(false);
    }
  });

  it('rebooted and healed with no core connected, lab-1\'s boot learns of the promotions from lab-2 and fences both copies', async () => {
    await first!.close();
    await second!.close();
    first = undefined;
    second = undefined;
    // Healed as it powers on (its replicator of the last boot died with it): the boot's question gets through.
    const boot = await rebootLab1(true);
    for (const guest of GUESTS) {
      expect(boot).toContain(`vfleet-agent boot: ${guest.name}: not started: replication ${replications.get(guest.name)} promoted generation 2 on lab-2; this copy is fenced`);
      expect(await runningOnLab1(guest.name)).toBe(false);
      expect(await replicaMarker(lab, 'lab-1', guest.name)).toMatchObject({ role: 'fenced', generation: 2, peer: 'lab-2', mark: 'default' });
      expect((await schedule(lab, 'lab-1', replications.get(guest.name) ?? '')).state).toBe('fenced');
      await waitForHttp(lab, 'lab-3', `http://${guest.ip}/data.txt`, `${guest.name}\n`);
    }
    // Their autostart mark is gone (kept in the marker), and a start is refused by the marker.
    for (const guest of GUESTS) {
      expect((await lab.exec('lab-1', ['test', '-e', `/etc/vservers/${guest.name}/apps/init/mark`])).code).toBe(1);
      expect((await agentOnHost(lab, 'lab-1', 'start', guest.name)).stderr).toContain('this copy is stale');
    }
  });

  it('the fenced copy\'s host becomes the new replica host: lab-2/web replicated back to lab-1', async () => {
    first = await startCore(THRESHOLDS);
    await onboardLabHosts(first.core, lab);
    const { replica } = await first.core.invoke('guest.replicate', { host: 'lab-2', guest: 'web', to: 'lab-1', intervalMs: 5_000 });
    expect(replica).toMatchObject({ host: 'lab-2', to: 'lab-1', role: 'replica', generation: 1, lastSync: { result: 'ok' } });
    expect(await replicaMarker(lab, 'lab-1', 'web')).toMatchObject({ replication: replica.replication, role: 'replica', peer: 'lab-2' });
    // The stale copy and its old schedule gave way; the other fenced copy (app) is untouched.
    await expect(schedule(lab, 'lab-1', replications.get('web') ?? '')).rejects.toThrow(/ENOENT/);
    expect(await replicaMarker(lab, 'lab-1', 'app')).toMatchObject({ role: 'fenced' });
    expect((await agentOnHost(lab, 'lab-1', 'start', 'web')).stderr).toContain('it is the replica of lab-2\'s copy');
    expect(await labShell(lab, 'lab-1', 'cat "$(readlink /etc/vservers/web/vdir)/www/data.txt"')).toBe('web\n');
  });

  it('--freeze: each sync\'s final pass runs with the guest frozen, the freeze time recorded, and the guest thawed', async () => {
    const { replica } = await first!.core.invoke('guest.replicate', { host: 'lab-2', guest: 'app', to: 'lab-3', intervalMs: 5_000, freeze: true });
    console.log(`replication with --freeze: the first sync froze lab-2/app for ${replica.lastSync?.freezeMs} ms`);
    expect(replica).toMatchObject({ host: 'lab-2', to: 'lab-3', freeze: true, lastSync: { result: 'ok', freezeMs: expect.any(Number) } });
    // Thawed: its init answers and its server serves.
    expect((await first!.core.invoke('guest.exec', { host: 'lab-2', guest: 'app', argv: ['echo', 'thawed'] })).stdout).toBe('thawed\n');
    await waitForHttp(lab, 'lab-3', `http://${GUESTS[1]!.ip}/data.txt`, 'app\n');
  });
});
