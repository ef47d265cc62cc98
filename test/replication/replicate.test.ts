// A busybox guest serving HTTP on lab-1 is replicated to lab-2 (docs/architecture.md, "Replicas and
// failover"): lab-1 syncs it by itself every 5 s with no core connected, the replica equals the
// source at the sync and refuses start and start --marked; a sync cut half-way (lab-1's link slowed,
// then cut) leaves the replica as the last sync made it; guest.failover promotes it on lab-2, where
// a client on lab-3 reaches it on the same address with the last sync's data (failover time and
// data age printed); lab-1 healed, its still-running stale copy is stopped and fenced by the core
// on reconnect, refuses to start, and every step is audited. Lab `repl` on 10.213.152.0/24.
import { readdir, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailoverResult, ReplicaView } from '../../shared/api/replication';
import { labDown, labUp, type Lab } from '../lab/lab';
import { treeManifest } from '../agent/support/treeManifest';
import { onboardLabHosts, removeDataDir, startCore, unpinAgentBundle, waitFor, type CoreHandle } from '../core/support/coreOnLab';
import { agentOnHost, HTTPD_INIT_SCRIPT, labShell, onMachine, waitForHttp, waitUntil } from '../migration/support/labGuests';
import { REPOSITORY_ROOT, runVfleet } from '../core/support/vfleetCommand';
import { copyRoot, replicaMarker, schedule } from './support/replicaFiles';

const LAB = { name: 'repl', subnet: '10.213.152.0/24', hosts: 3 };
const GUEST = 'web';
const GUEST_IP = '10.213.152.101';
const DATA_URL = `http://${GUEST_IP}/data.txt`;
const INTERVAL_MS = 10_000;

/** A file hard-linked only outside the tree (to another snapshot) shows as not linked, as in the source. */
function withoutOutsideLinks(manifest: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(manifest).map(([path, entry]) => [path, entry.replace(` links=${path} `, ' links=- ')]));
}

describe('replicating a guest from lab-1 to lab-2, and failing over to it', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  let dataDir = '';
  let replica: ReplicaView;
  let syncedManifest: Awaited<ReturnType<typeof treeManifest>> = {};
  let failover: FailoverResult;

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    handle = await startCore({ thresholds: { unreachableGraceMs: 1_000 } });
    dataDir = handle.dataDir;
    await onboardLabHosts(handle.core, lab);
    await handle.core.invoke('guest.build', { host: 'lab-1', build: { name: GUEST, method: 'busybox', xid: 501, mark: 'default', interfaces: [{ ip: GUEST_IP, prefix: 24 }] } });
    await labShell(lab, 'lab-1', 'mkdir -p "$1/www" "$1/srv" && printf "first\\n" > "$1/www/data.txt" && printf %s "$2" > "$1/etc/init.d/S50httpd" && chmod 755 "$1/etc/init.d/S50httpd"',
      `/vservers/${GUEST}`, HTTPD_INIT_SCRIPT);
    await handle.core.invoke('guest.start', { host: 'lab-1', guest: GUEST });
    await waitForHttp(lab, 'lab-3', DATA_URL, 'first\n');
  });

  afterAll(async () => {
    await handle?.close();
    await removeDataDir(handle);
    await unpinAgentBundle();
    await labDown({ name: LAB.name });
  });

  it('replicates, then syncs on schedule with no core connected; the replica equals the source and refuses start and start --marked', async () => {
    const started = Date.now();
    ({ replica } = await handle!.core.invoke('guest.replicate', { host: 'lab-1', guest: GUEST, to: 'lab-2', intervalMs: INTERVAL_MS }));
    console.log(`guest.replicate (key, gate, schedule, first sync): ${Date.now() - started} ms, ${replica.lastSync?.bytesSent} bytes sent, size ${replica.sizeBytes} bytes`);
    expect(replica).toMatchObject({ host: 'lab-1', guest: GUEST, to: 'lab-2', role: 'replica', state: 'active', generation: 1, stale: false, lastSync: { result: 'ok' } });
    const { replication } = replica;

    // The core goes away: lab-1's replicator syncs by itself.
    await handle!.close();
    handle = undefined;
    await labShell(lab, 'lab-1', `printf "second\\n" > /vservers/${GUEST}/www/data.txt`);
    const changedAt = Date.now();
    const marker = await waitUntil('a scheduled sync after the change', async () => {
      const current = await replicaMarker(lab, 'lab-2', GUEST);
      return current?.lastSync && current.lastSync.time > changedAt && current;
    }, 120_000).catch(async (error: unknown) => {
      // What the replicator said, for the failure's reader.
      const log = await lab.exec('lab-1', ['sh', '-c', 'tail -n 20 /etc/vservers/.vfleet/replication/replicator.log; cat /etc/vservers/.vfleet/replication/*/schedule.json']);
      throw new Error(`${String(error)}; lab-1's replicator: ${log.stdout}${log.stderr}`);
    });
    // The source records the attempt once the replica's commit has answered.
    const sourceSide = await waitUntil('lab-1 to record the sync', async () => {
      const entry = await schedule(lab, 'lab-1', replication);
      return (entry.lastSync?.time ?? 0) >= (marker.lastSync?.time ?? 0) && entry;
    }, 20_000, 50);
    console.log(`scheduled sync without the core: ${marker.lastSync?.durationMs} ms, ${marker.lastSync?.bytesSent} bytes sent (snapshot ${marker.snapshot})`);
    expect(sourceSide.lastSync?.result).toBe('ok');
    expect(marker).toMatchObject({ replication, role: 'replica', peer: 'lab-1', generation: 1, intervalMs: INTERVAL_MS });
    // Nothing in the guest writes files after its start: the copy equals the source, owners, modes, devices, times and content.
    const source = await treeManifest(onMachine(lab, 'lab-1', `/vservers/${GUEST}`), undefined, { content: true, mtime: true });
    expect(Object.values(source).some((entry) => entry.startsWith('char '))).toBe(true);
    // The replicator goes on syncing meanwhile: a hard-linked copy of the current snapshot (made in well under a
    // second) counts when the same snapshot was current before and after it.
    const read = await waitUntil('a copy of one snapshot', async () => {
      const before = await replicaMarker(lab, 'lab-2', GUEST);
      const root = await copyRoot(lab, 'lab-2', GUEST);
      await labShell(lab, 'lab-2', 'rm -rf /vservers/.test-copy && cp -al "$1" /vservers/.test-copy', root.inside);
      const after = await replicaMarker(lab, 'lab-2', GUEST);
      const manifest = withoutOutsideLinks(await treeManifest(onMachine(lab, 'lab-2', '/vservers/.test-copy'), undefined, { content: true, mtime: true }));
      await labShell(lab, 'lab-2', 'rm -rf /vservers/.test-copy');
      return before?.snapshot === after?.snapshot && { root, manifest, snapshot: before?.snapshot ?? 0 };
    }, 60_000, 0);
    expect(read.root.inside).toBe(`/vservers/.vfleet-replica/${replication}/snap-${read.snapshot}/root`);
    expect(read.manifest).toEqual(source);
    syncedManifest = read.manifest;

    // The replica is never started but by its promotion: not by start, not by a boot's start --marked.
    const plain = await agentOnHost(lab, 'lab-2', 'start', GUEST);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(`it is the replica of lab-1's copy (replication ${replication}, generation 1)`);
    const marked = await agentOnHost(lab, 'lab-2', 'start', '--marked', 'default');
    expect(marked.code).toBe(1);
    expect(marked.stdout).toMatch(new RegExp(`${GUEST}: FAILED: .*it is the replica of lab-1's copy`));
    const forced = await agentOnHost(lab, 'lab-2', 'start', '--force', GUEST);
    expect(forced.stderr).toContain('only its promotion starts it');

    // The key: made on lab-1, private half root only; on lab-2 confined to this replica's gate, from lab-1 only.
    expect(await labShell(lab, 'lab-1', `stat -c '%a %U' /etc/vservers/.vfleet/replication/${replication} /etc/vservers/.vfleet/replication/${replication}/id_ed25519`))
      .toBe('700 root\n600 root\n');
    const authorized = await labShell(lab, 'lab-2', 'cat /run/vfleet-lab/authorized_keys');
    expect(authorized).toMatch(new RegExp(`from="${lab.host('lab-1').address}",restrict,command="\\S+ /etc/vservers/.vfleet/replication/vfleet-agent.js replica-gate ${replication} ${GUEST}" ssh-ed25519 \\S+ vfleet-replication-${replication}`));
    expect(await labShell(lab, 'lab-1', 'cat /run/vfleet/replicator.pid')).toMatch(/^\d+\n$/);

    handle = await startCore({ dataDir, thresholds: { unreachableGraceMs: 1_000 } });
    await handle.core.invoke('hosts.connect', { timeoutMs: 30_000 });
  });

  it('the gate refuses anything but the replica\'s sync, whoever holds the key', async () => {
    const { replication } = replica;
    const key = `/etc/vservers/.vfleet/replication/${replication}/id_ed25519`;
    const known = `/etc/vservers/.vfleet/replication/${replication}/known_hosts`;
    const ssh = (command: string): ReturnType<Lab['exec']> => lab.exec('lab-1', ['ssh', '-F', '/dev/null', '-i', key, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${known}`,
      '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-l', 'root', lab.host('lab-2').address, command], { timeoutMs: 30_000 });
    const shell = await ssh('id; cat /etc/shadow');
    expect(shell.code, shell.stderr).toBe(3);
    expect(shell.stderr).toContain(`this key may only sync replication ${replication}`);
    const state = await ssh('vfleet-replica state');
    expect(JSON.parse(state.stdout)).toMatchObject({ replication, role: 'replica', generation: 1 });
    const commit = await ssh('vfleet-replica commit 1; reboot');
    expect(commit.code).toBe(3);
  });

  it('a failed sync raises an alert, which the next good sync clears', async () => {
    const core = handle!.core;
    const id = `replicaSyncFailed:lab-1:${GUEST}`;
    await lab.killSshd('lab-2');
    const alert = await waitFor('the failed sync\'s alert', () => core.snapshot().alerts.find((entry) => entry.id === id), 60_000);
    expect(alert).toMatchObject({ kind: 'replicaSyncFailed', severity: 'warning', host: 'lab-1', guest: GUEST });
    // Refused at its first step, or cut in its rsync when the kill came mid-sync: either way named.
    await lab.startSshd('lab-2');
    expect(alert.message).toMatch(new RegExp(`^Host lab-1, guest ${GUEST}: the last sync of its replica on lab-2 failed: (the replica host ${lab.host('lab-2').address} refused|rsync )`));
    await waitFor('the alert cleared by a good sync', () => !core.snapshot().alerts.some((entry) => entry.id === id), 60_000);
  });

  it('a sync cut half-way leaves the replica as the last sync made it', async () => {
    const core = handle!.core;
    const { replication } = replica;
    // lab-1's link slowed to 40 Mbit/s, so that 64 MiB take seconds.
    await labShell(lab, 'lab-1', 'tc qdisc add dev eth0 root tbf rate 40mbit burst 64kb latency 400ms');
    // Right after a commit (the next sync is seconds away), new data the replica must never get.
    const last = (await replicaMarker(lab, 'lab-2', GUEST))?.lastSync?.time ?? 0;
    const committed = await waitUntil('the next commit', async () => {
      const marker = await replicaMarker(lab, 'lab-2', GUEST);
      return (marker?.lastSync?.time ?? 0) > last && marker;
    }, 60_000, 50);
    await core.invoke('guest.exec', { host: 'lab-1', guest: GUEST, argv: ['sh', '-c', 'dd if=/dev/urandom of=/srv/bulk bs=1M count=64 2>/dev/null && echo third > /www/data.txt'] });
    const base = onMachine(lab, 'lab-2', `/vservers/.vfleet-replica/${replication}`);
    await waitUntil('a later sync writing the bulk file on lab-2', async () => {
      for (const entry of await readdir(base)) {
        const number = Number(/^snap-(\d+)$/.exec(entry)?.[1] ?? 0);
        if (number <= committed.snapshot) continue;
        const srv = `${base}/${entry}/root/srv`;
        for (const file of await readdir(srv)) if ((await stat(`${srv}/${file}`)).size > 1024 * 1024) return true;
      }
      return false;
    }, 60_000, 50);
    await lab.cut('lab-1');
    const failed = await waitUntil('lab-1 to record the cut sync as failed', async () => {
      const entry = await schedule(lab, 'lab-1', replication);
      return entry.lastSync?.result === 'failed' && entry.lastSync;
    }, 60_000);
    console.log(`the cut sync failed after ${failed.durationMs} ms: ${failed.error}`);
    const marker = await replicaMarker(lab, 'lab-2', GUEST);
    expect(marker?.snapshot).toBe(committed.snapshot);
    const current = await copyRoot(lab, 'lab-2', GUEST);
    expect(current.inside).toBe(`/vservers/.vfleet-replica/${replication}/snap-${committed.snapshot}/root`);
    // Exactly what the first test compared with the source: 'second', no bulk file. Its files' hard links into
    // the cut sync's partial snapshot (rsync's --link-dest) lie outside the guest's tree.
    expect(withoutOutsideLinks(await treeManifest(current.machine, undefined, { content: true, mtime: true }))).toEqual(syncedManifest);
    await labShell(lab, 'lab-1', 'tc qdisc del dev eth0 root');
  });

  it('fails over: the replica becomes the guest on lab-2 and answers on its address from lab-3 with the last sync\'s data', async () => {
    const core = handle!.core;
    await waitFor('lab-1 shown unreachable', () => core.snapshot().alerts.some((alert) => alert.id === 'hostUnreachable:lab-1'), 30_000);
    const listed = (await core.invoke('replicas.list', {})).find((view) => view.replication === replica.replication);
    expect(listed).toMatchObject({ host: 'lab-1', to: 'lab-2', role: 'replica' });
    // The cut sync took its time: the replica is stale once older than three intervals.
    expect(listed?.stale).toBe((listed?.ageMs ?? 0) > 3 * INTERVAL_MS);
    console.log(`replicas.list before the failover: age ${listed?.ageMs} ms, stale ${listed?.stale}, last attempt ${listed?.lastAttempt?.result ?? 'unknown (lab-1 unreachable)'}`);
    expect(listed?.notes.join(' ')).toContain('lab-1 did not answer');
    const called = Date.now();
    failover = await core.invoke('guest.failover', { host: 'lab-1', guest: GUEST });
    await waitForHttp(lab, 'lab-3', DATA_URL, 'second\n', 30_000);
    const answered = Date.now();
    console.log(`failover: call -> first HTTP answer from lab-2 on lab-3: ${answered - called} ms (promotion and start ${failover.durationMs} ms); ` +
      `data age at promotion ${failover.dataAgeMs} ms (the last committed sync), interval ${INTERVAL_MS} ms`);
    expect(failover).toMatchObject({ replication: replica.replication, host: 'lab-1', to: 'lab-2', generation: 2, announced: [{ ip: GUEST_IP, device: 'eth0' }] });
    const lab2Mac = (await labShell(lab, 'lab-2', 'cat /sys/class/net/eth0/address')).trim();
    expect(await labShell(lab, 'lab-3', `ip neigh show ${GUEST_IP}`)).toContain(lab2Mac);
    // The data of the last committed sync, not of the one cut half-way.
    const listing = await core.invoke('guest.exec', { host: 'lab-2', guest: GUEST, argv: ['ls', '/srv'] });
    expect(listing.stdout).toBe('');
    expect(await replicaMarker(lab, 'lab-2', GUEST)).toMatchObject({ role: 'promoted', generation: 2, peer: 'lab-1' });
    expect((await copyRoot(lab, 'lab-2', GUEST)).inside).toBe(`/vservers/${GUEST}`);
    // A second promotion of the same replica is refused.
    await expect(core.invoke('guest.failover', { host: 'lab-1', guest: GUEST })).rejects.toThrow(/already promoted|has no replica/);
  });

  it('lab-1 healed: its stale copy, still running, is stopped and fenced by the core, refuses to start, and all is audited', async () => {
    const core = handle!.core;
    const healedAt = Date.now();
    await lab.heal('lab-1');
    const fenced = await waitUntil('lab-1\'s copy fenced', async () => {
      const marker = await replicaMarker(lab, 'lab-1', GUEST);
      return marker?.role === 'fenced' && marker;
    }, 60_000);
    console.log(`lab-1's stale copy fenced ${Date.now() - healedAt} ms after the heal`);
    expect(fenced).toMatchObject({ replication: replica.replication, generation: 2, peer: 'lab-2', mark: 'default' });
    expect((await agentOnHost(lab, 'lab-1', 'status', GUEST)).stdout).toMatch(/stopped/);
    expect((await lab.exec('lab-1', ['test', '-e', `/etc/vservers/${GUEST}/apps/init/mark`])).code).toBe(1);
    const refused = await agentOnHost(lab, 'lab-1', 'start', GUEST);
    expect(refused.stderr).toContain(`this copy is stale: replication ${replica.replication} promoted generation 2 on lab-2`);
    expect((await schedule(lab, 'lab-1', replica.replication)).state).toBe('fenced');
    await waitForHttp(lab, 'lab-3', DATA_URL, 'second\n');
    await waitUntil('the fencing\'s audit entry', async () => (await core.invoke('audit.query', { action: 'guest.fence' })).length > 0, 20_000);
    const audit = await core.invoke('audit.query', {});
    for (const entry of audit.filter((item) => item.result === 'error')) console.log(`audit: ${entry.action} ${entry.host}/${entry.guest ?? ''}: ${entry.error}`);
    const actions = audit.map((entry) => `${entry.action} ${entry.host}/${entry.guest ?? ''} ${entry.result}`);
    expect(actions).toEqual(expect.arrayContaining(['guest.replicate lab-1/web ok', 'guest.failover lab-1/web ok', 'guest.failover lab-1/web error', 'guest.fence lab-1/web ok']));
    expect(audit.find((entry) => entry.action === 'guest.failover' && entry.result === 'ok')).toMatchObject({ detail: { generation: 2, to: 'lab-2' } });
  });

  it('the CLI lists the replication and removes it: the gate key leaves lab-2, the schedule leaves lab-1, the promoted guest stays', async () => {
    const vfleet = (...argv: string[]): ReturnType<typeof runVfleet> => runVfleet(['--connect-timeout', '60', ...argv], { cwd: REPOSITORY_ROOT, env: { ...process.env, VFLEET_CONFIG_DIR: dataDir } });
    const listed = await vfleet('replicas', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ replication: replica.replication, host: 'lab-1', to: 'lab-2', role: 'promoted', state: 'fenced', generation: 2 })]));
    const table = await vfleet('replicas');
    expect(table.stdout).toMatch(/lab-1\/web\s+lab-2\s+promoted\s+2\s+10 s/);
    const stopped = await vfleet('replicate', '--stop', 'lab-1/web');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`lab-1: schedule and key of ${replica.replication}`);
    expect(stopped.stdout).toContain(`lab-2: authorised key in /run/vfleet-lab/authorized_keys`);
    expect(await labShell(lab, 'lab-2', 'cat /run/vfleet-lab/authorized_keys')).not.toContain('vfleet-replication-');
    expect(await labShell(lab, 'lab-1', 'ls -A /etc/vservers/.vfleet/replication')).not.toContain(replica.replication);
    await waitForHttp(lab, 'lab-3', DATA_URL, 'second\n');
    expect((await handle!.core.invoke('audit.query', { action: 'guest.replicateStop' })).map((entry) => entry.result)).toEqual(['ok']);
  });
});
