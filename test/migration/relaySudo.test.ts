// Relay mode between two hosts reached as a non-root user through sudo (lab `relsudo`,
// 10.213.161.0/24): lab-1 and lab-2 get the operator of test/core/sudoOperator.ts with the sudoers
// rule vfleet suggests, and cannot reach each other (the lab's partition fault). Pre-flight offers
// relay only (direct logs in as root), and the HTTP guest of migrate.test.ts moves from lab-1 to
// lab-2 through the core's two SSH connections, each relay end started through `sudo -n` as root,
// while a client on lab-3 fetches its URL every 20 ms: every file as it was, lab-1's copy
// disabled, nothing left. First, with lab-2's rule as it was before the relay ends were in it, the
// pre-flight refuses the migration naming the rule to use (`sudo -n -l`), and nothing moves.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetDelta } from '../../shared/api/fleetState';
import type { MigrationProgress } from '../../shared/api/migration';
import { loadAgentBundle } from '../../electron/core/agent/agentBundle';
import { AGENT_NODE_FLAGS } from '../../electron/core/agent/agentInstallScript';
import { loadAgentSigningKey } from '../../electron/core/agent/agentSigningKey';
import { agentSudoersRule } from '../../electron/core/agent/sudoersRule';
import { openRelayCount } from '../../electron/core/migration/migrationRelay';
import { labDown, labUp, type Lab } from '../lab/lab';
import { treeManifest, type TreeManifest } from '../agent/support/treeManifest';
import { closeCoreAndLab, onboardLabHosts, pinAgentBundle, startCore, type CoreHandle } from '../core/support/coreOnLab';
import { ADD_OPERATOR_SCRIPT, OPERATOR, SET_RULE_SCRIPT } from '../core/support/sudoOperator';
import { buildHttpGuest, CHANGING, guestUrl, waitForAnswer, without } from './support/httpGuest';
import { labShell } from './support/labGuests';
import { longestGapMs, phaseTimeline, startClient } from './support/downtime';
import { expectNoMigrationLeft, hostsRunning } from './support/migrationLeftovers';

const LAB = { name: 'relsudo', subnet: '10.213.161.0/24', hosts: 3 };
const HOSTS = ['lab-1', 'lab-2', 'lab-3'];
const SUDO_HOSTS = ['lab-1', 'lab-2'];
const GUEST = { name: 'web', xid: 461, ip: '10.213.161.101' };
const URL = guestUrl(GUEST.ip);

describe('relay mode between two sudo hosts that cannot reach each other', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  let rule = '';
  let before: TreeManifest;

  const rootOn = (host: string): string => `/proc/${lab.host(host).initPid}/root/vservers/${GUEST.name}`;
  const runningOn = (): Promise<string[]> => hostsRunning(handle!.core, HOSTS, GUEST.name);
  async function inHost(host: string, script: string, args: string[]): Promise<void> {
    const result = await lab.exec(host, ['sh', '-c', script, 'sh', ...args]);
    if (result.code !== 0) throw new Error(`preparing ${host} failed (exit ${result.code}): ${result.stderr}`);
  }
  async function nothingLeft(): Promise<void> {
    await expectNoMigrationLeft(handle!.core, lab, HOSTS);
    for (const host of HOSTS) expect(await labShell(lab, host, 'ps -eo args')).not.toMatch(/rsync|migration-relay/);
    expect(openRelayCount()).toBe(0);
  }

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    handle = await startCore();
    const signingKey = await loadAgentSigningKey(path.join(handle.dataDir, 'agent-signing-key.pem'));
    rule = agentSudoersRule(OPERATOR.name, '/usr/bin/node', signingKey);
    for (const host of SUDO_HOSTS) await inHost(host, ADD_OPERATOR_SCRIPT, [OPERATOR.name, String(OPERATOR.uid), OPERATOR.home, rule]);
    const core = handle.core;
    // Keys approved as an admin would (a migration hands the target's accepted key to the source).
    await onboardLabHosts(core, lab, HOSTS, Object.fromEntries(SUDO_HOSTS.map((host) => [host, { user: OPERATOR.name, sudo: true }])));
    await buildHttpGuest(core, lab, { host: 'lab-1', ...GUEST, client: 'lab-3' });
    before = await treeManifest(rootOn('lab-1'), undefined, { content: true, mtime: true });
    await lab.partition('lab-1', 'lab-2');
  }, 300_000);

  afterAll(() => closeCoreAndLab(handle, LAB.name));

  it('the suggested rule is valid sudoers and lets the operator run exactly the relay ends, no other agent arguments', async () => {
    expect(await labShell(lab, 'lab-1', `visudo -c -f /etc/sudoers.d/${OPERATOR.name} >/dev/null && echo valid`)).toBe('valid\n');
    const agentFile = `/var/lib/vfleet/agent/${(await loadAgentBundle(await pinAgentBundle())).sha256}/vfleet-agent.js`;
    // `sudo -l COMMAND` as the operator: exit 0 when the rule allows it (nothing runs).
    const allowed = async (...args: string[]): Promise<boolean> => (await lab.exec('lab-1', ['setpriv', `--reuid=${OPERATOR.uid}`, `--regid=${OPERATOR.uid}`, '--clear-groups', '--',
      'env', `HOME=${OPERATOR.home}`, 'sudo', '-n', '-l', '/usr/bin/node', ...AGENT_NODE_FLAGS, agentFile, ...args])).code === 0;
    expect(await allowed('serve', '--stdio')).toBe(true);
    for (const end of ['source', 'target']) for (const tree of ['root', 'config']) expect(await allowed('migration-relay', end, 'm-mil7k2q0a1b2c3d4', tree)).toBe(true);
    // rsync's end runs as root on the source already; other trees, ids, extra words and other commands are not allowed.
    expect(await allowed('migration-relay', 'rsh', 'm-mil7k2q0a1b2c3d4', 'root')).toBe(false);
    expect(await allowed('migration-relay', 'target', 'm-mil7k2q0a1b2c3d4', 'etc')).toBe(false);
    expect(await allowed('migration-relay', 'target', '../../../etc/x12345', 'root')).toBe(false);
    expect(await allowed('migration-relay', 'target', 'm-mil7k2q0a1b2c3d4', 'root', 'extra')).toBe(false);
    expect(await allowed('migration-relay', 'target', 'm-mil7k2q0a1b2c3d4 root', 'root')).toBe(false);
    expect(await allowed('build', '--name', 'x')).toBe(false);
  }, 120_000);

  it('with lab-2\'s rule lacking the relay ends, pre-flight refuses the migration naming the rule to use, and nothing moves', async () => {
    const core = handle!.core;
    const [head, commands] = rule.split('NOPASSWD: ') as [string, string];
    const oldRule = `${head}NOPASSWD: ${commands.split(', ').filter((command) => !command.includes('migration-relay')).join(', ')}`;
    expect(oldRule).not.toContain('migration-relay');
    await inHost('lab-2', SET_RULE_SCRIPT, [OPERATOR.name, oldRule]);
    try {
      const initBefore = (await core.agent('lab-1').call('status', { name: GUEST.name })).initPid;
      const check = await core.invoke('guest.migrate', { host: 'lab-1', guest: GUEST.name, to: 'lab-2', checkOnly: true });
      const transport = check.preflight.find((entry) => entry.check === 'transport');
      expect(transport?.outcome).toBe('failed');
      expect(transport?.detail).toMatch(/sudo does not let vfleetop run the agent's 'migration-relay target m-[0-9a-z]{16} (root|config)' on lab-2/);
      expect(transport?.detail).toContain(`replace the rule with ${rule}`);
      // lab-1's rule has them: only lab-2 is named.
      expect(transport?.detail).not.toContain('on lab-1');
      const refused = await core.invoke('guest.migrate', { host: 'lab-1', guest: GUEST.name, to: 'lab-2', verifyPort: 80 }).then(() => 'done', (error: unknown) => String(error));
      expect(refused).toMatch(/migration to lab-2 refused, nothing moved: .*sudo does not let vfleetop/);
      expect((await core.invoke('migrations.list', {})).filter((entry) => !['aborted', 'done', 'rolledBack'].includes(entry.phase))).toEqual([]);
      expect((await core.agent('lab-1').call('status', { name: GUEST.name })).initPid).toBe(initBefore);
      expect(await runningOn()).toEqual(['lab-1']);
      await nothingLeft();
    } finally {
      await inHost('lab-2', SET_RULE_SCRIPT, [OPERATOR.name, rule]);
    }
  }, 600_000);

  it('pre-flight offers relay only, and the guest moves relayed while a client on lab-3 fetches its URL', async () => {
    const core = handle!.core;
    const check = await core.invoke('guest.migrate', { host: 'lab-1', guest: GUEST.name, to: 'lab-2', checkOnly: true });
    const transport = check.preflight.find((entry) => entry.check === 'transport');
    expect(transport).toMatchObject({ outcome: 'ok' });
    expect(transport?.detail).toMatch(/^relay: .*\(not direct: the direct transfer logs in as root, but lab-2 is reached as vfleetop\)/);

    const fetcher = await startClient(lab, 'lab-3', URL);
    const progress: MigrationProgress[] = [];
    const unsubscribe = core.subscribe((delta: FleetDelta) => { if (delta.type === 'migration') progress.push(delta.progress); });
    try {
      const result = await core.invoke('guest.migrate', { host: 'lab-1', guest: GUEST.name, to: 'lab-2', verifyPort: 80 });
      await fetcher.answeredAgain();
      const samples = fetcher.stop();
      console.log(`relayed migration between sudo hosts ${result.migration}: client-observed downtime (longest gap on lab-3) ${longestGapMs(samples)} ms; `
        + `core-measured downtime ${result.downtimeMs} ms, total ${result.totalMs} ms, ${result.bytesSent} bytes in ${result.rounds} rounds at `
        + `${(result.rateBytesPerSecond / 1024 / 1024).toFixed(1)} MiB/s; phases: ${phaseTimeline(progress)}`);
      expect(result).toMatchObject({ outcome: 'done', host: 'lab-1', to: 'lab-2', transport: 'relay', sourceKept: true });
      expect(result.bytesSent).toBeGreaterThan(200 * 1024 * 1024);
      expect(progress.some((entry) => entry.phase === 'precopy' && entry.transport === 'relay' && entry.bytes > 0)).toBe(true);
    } finally {
      fetcher.stop();
      unsubscribe();
    }
  }, 600_000);

  it('answers from lab-2 with every file as it was, lab-1\'s copy disabled, and nothing of the migration left', async () => {
    const core = handle!.core;
    await waitForAnswer(lab, 'lab-3', URL);
    expect(await runningOn()).toEqual(['lab-2']);
    const target = await treeManifest(rootOn('lab-2'), undefined, { content: true, mtime: true });
    expect(without(target, CHANGING)).toEqual(without(before, CHANGING));
    expect((await core.agent('lab-1').call('migrationInspect', { name: GUEST.name })).marker?.state).toBe('moved');
    await nothingLeft();
  }, 300_000);
});
