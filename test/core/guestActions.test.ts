// Actions on guests of two lab hosts through the app API: build, start, exec, limits, a fleet-wide
// exec with one failing target, the audit log, a guest changed by hand on its host showing up by
// itself, and two cores acting on one guest at once.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { AgentCallError } from '../../electron/core/agent/agentRpcClient';
import { ERROR_CODES } from '../../shared/protocol/envelope';
import { labDown, labUp, type Lab } from '../lab/lab';
import { onboardLabHosts, removeDataDir, startCore, unpinAgentBundle, waitFor, type CoreHandle } from './support/coreOnLab';

const LAB = { name: 'coretest-2', subnet: '10.213.112.0/24', hosts: 2 };

describe('guest actions across two lab hosts', () => {
  let lab: Lab;
  let main: CoreHandle | undefined;
  let other: CoreHandle | undefined;

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    main = await startCore();
    await onboardLabHosts(main.core, lab);
  });

  afterAll(async () => {
    await main?.close();
    await other?.close();
    await removeDataDir(main);
    await removeDataDir(other);
    await unpinAgentBundle();
    await labDown({ name: LAB.name });
  });

  const agentFile = (host: string): string => {
    const file = main!.core.state.host(host)?.agent?.file;
    if (!file) throw new Error(`no agent on ${host}`);
    return file;
  };
  const initAlive = async (host: string, pid: number | undefined): Promise<boolean> =>
    pid !== undefined && (await lab.exec(host, ['kill', '-0', String(pid)])).code === 0;

  it('builds and starts busybox guests on both hosts, with live processes in the kernel', async () => {
    const core = main!.core;
    const targets = [['lab-1', 'web', 201], ['lab-2', 'db', 202], ['lab-2', 'cache', 203]] as const;
    for (const [host, name, xid] of targets) {
      const built = await core.invoke('guest.build', { host, build: { name, method: 'busybox', xid } });
      expect(built).toMatchObject({ host, name, xid, state: 'stopped' });
      const started = await core.invoke('guest.start', { host, guest: name });
      expect(started.state).toBe('running');
      expect(await initAlive(host, started.initPid)).toBe(true);
    }
    expect(core.snapshot().summary.guests).toMatchObject({ total: 3, running: 3 });
  });

  it('runs a command in a guest and returns its exit code and output', async () => {
    const core = main!.core;
    const ok = await core.invoke('guest.exec', { host: 'lab-1', guest: 'web', argv: ['sh', '-c', 'echo hello from $$; echo warn >&2'] });
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/^hello from \d+\n$/);
    expect(ok.stderr).toBe('warn\n');
    const failed = await core.invoke('guest.exec', { host: 'lab-2', guest: 'db', argv: ['sh', '-c', 'exit 3'] });
    expect(failed.exitCode).toBe(3);
    const stdin = await core.invoke('guest.exec', { host: 'lab-2', guest: 'db', argv: ['cat'], stdin: 'piped\n' });
    expect(stdin.stdout).toBe('piped\n');
  });

  it('runs one command in every guest of the fleet and reports each target, one failing', async () => {
    const core = main!.core;
    await core.invoke('guest.exec', { host: 'lab-2', guest: 'cache', argv: ['touch', '/fail-here'] });
    const result = await core.invoke('fleet.exec', { argv: ['sh', '-c', 'test ! -e /fail-here && echo fine'], concurrency: 2 });
    const byTarget = Object.fromEntries(result.results.map((outcome) => [`${outcome.host}/${outcome.guest}`, outcome]));
    expect(Object.keys(byTarget).sort()).toEqual(['lab-1/web', 'lab-2/cache', 'lab-2/db']);
    expect(byTarget['lab-1/web']).toMatchObject({ exitCode: 0, stdout: 'fine\n' });
    expect(byTarget['lab-2/db']).toMatchObject({ exitCode: 0, stdout: 'fine\n' });
    expect(byTarget['lab-2/cache']).toMatchObject({ exitCode: 1, stdout: '' });
    expect(result.cancelled).toBe(false);

    const chosen = await core.invoke('fleet.exec', { hosts: ['lab-2'], guests: ['db', 'nosuch'], argv: ['true'] });
    expect(chosen.results.map((outcome) => outcome.guest)).toEqual(['db']);
    expect(chosen.unmatched).toEqual(['no running guest named nosuch on the chosen hosts']);
  });

  it('cancels a fleet-wide exec: running commands are killed, nothing hangs', async () => {
    const controller = new AbortController();
    const running = main!.core.invoke('fleet.exec', { argv: ['sleep', '60'], concurrency: 1 }, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    controller.abort(new Error('admin pressed cancel'));
    const result = await running;
    expect(result.cancelled).toBe(true);
    expect(result.results).toHaveLength(3);
    for (const outcome of result.results) {
      expect(outcome.exitCode).toBeUndefined();
      expect(outcome.error).toMatch(/cancelled/);
    }
    const sleepers = async (): Promise<string> => (await lab.exec('lab-1', ['sh', '-c', 'ps -eo args | grep -c "^sleep 60$" || true'])).stdout.trim();
    let count = await sleepers();
    for (let attempt = 0; attempt < 50 && count !== '0'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      count = await sleepers();
    }
    expect(count).toBe('0');
  });

  it('sets limits on a running guest and reads them back from the kernel', async () => {
    const core = main!.core;
    const set = await core.invoke('guest.limits', { host: 'lab-1', guest: 'web', changes: { processes: 40, memoryHard: '64M' } });
    expect(set.running).toBe(true);
    expect(set.appliedLive).toBe(true);
    const read = await core.invoke('guest.limits', { host: 'lab-1', guest: 'web' });
    expect(read.usage.limits.processes).toBe(40);
    expect(read.usage.limits.memoryHard).toBe(64 * 1024 * 1024);
    expect(read.usage.processesCurrent).toBeGreaterThan(0);
    // What the kernel enforces: the guest's memory cgroup and its pids cgroup (four slots more for the launcher: its keeper and the console copy).
    const kernel = async (file: string): Promise<string> => (await lab.exec('lab-1', ['cat', `/sys/fs/cgroup/${file}`])).stdout.trim();
    expect(await kernel('memory/vfleet/web/memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(await kernel('pids/vfleet/web/pids.max')).toBe('44');
  });

  it('records every mutating action in the audit log with its outcome', async () => {
    const entries = await main!.core.invoke('audit.query', {});
    const actions = entries.map((entry) => `${entry.action} ${entry.host ?? ''}/${entry.guest ?? ''} ${entry.result}`);
    expect(actions).toContain('guest.build lab-1/web ok');
    expect(actions).toContain('guest.start lab-2/db ok');
    expect(actions).toContain('guest.exec lab-2/db error');
    expect(actions).toContain('guest.exec lab-2/cache error');
    expect(actions).toContain('guest.limits lab-1/web ok');
    expect(actions).toContain('hosts.approveKey lab-1/ ok');
    const limits = entries.find((entry) => entry.action === 'guest.limits');
    expect(limits?.params).toMatchObject({ host: 'lab-1', guest: 'web', changes: { processes: 40, memoryHard: 64 * 1024 * 1024 } });
    expect(limits?.durationMs).toBeGreaterThanOrEqual(0);
    const exitThree = entries.find((entry) => entry.action === 'guest.exec' && entry.guest === 'db' && entry.result === 'error');
    expect(exitThree?.error).toBe("Host lab-2, guest db: 'sh' exited with code 3");
    expect(await main!.core.invoke('audit.query', { host: 'lab-2', action: 'guest.start' })).toHaveLength(2);
  });

  it('shows a guest built and started by hand with the agent CLI without any refresh', async () => {
    const core = main!.core;
    const built = await lab.exec('lab-1', ['node', agentFile('lab-1'), 'build', 'manual', '-m', 'busybox', '--context', '204'], { timeoutMs: 60_000 });
    expect(built.code, built.stderr).toBe(0);
    const started = await lab.exec('lab-1', ['node', agentFile('lab-1'), 'start', 'manual'], { timeoutMs: 60_000 });
    expect(started.code, started.stderr).toBe(0);
    const seen = await waitFor('manual running in the fleet state', () => core.state.guest('lab-1', 'manual')?.state === 'running' && core.state.guest('lab-1', 'manual'), 20_000);
    expect(seen.xid).toBe(204);

    const stopped = await lab.exec('lab-1', ['node', agentFile('lab-1'), 'stop', 'manual'], { timeoutMs: 60_000 });
    expect(stopped.code, stopped.stderr).toBe(0);
    await waitFor('manual stopped in the fleet state', () => core.state.guest('lab-1', 'manual')?.state === 'stopped', 20_000);
    expect(core.snapshot().alerts.map((alert) => alert.id)).toContain('guestStoppedUnexpectedly:lab-1:manual');
  });

  it('lets only one of two cores act on a guest at once; the other is told it is busy', async () => {
    other = await startCore({ knownHostsFiles: [lab.knownHostsPath] });
    await other.core.invoke('hosts.add', { name: 'lab-1', address: lab.host('lab-1').address, auth: { kind: 'keyFile', keyPath: lab.keyPath } });
    const [connected] = await other.core.invoke('hosts.connect', { names: ['lab-1'] });
    expect(connected?.connection, connected?.error).toBe('connected');

    // A stop script of 3 s keeps the first restart under way while the second core's arrives (a busybox
    // guest's own stop takes well under a second now, which left the two calls racing).
    const slowStop = '/vservers/web/etc/init.d/S95slowstop';
    await lab.exec('lab-1', ['sh', '-c', `printf '#!/bin/sh\\n[ "$1" = stop ] && sleep 3\\nexit 0\\n' > ${slowStop} && chmod 755 ${slowStop}`]);
    onTestFinished(async () => { await lab.exec('lab-1', ['rm', '-f', slowStop]); });
    const outcomes = await Promise.allSettled([
      main!.core.invoke('guest.restart', { host: 'lab-1', guest: 'web' }),
      other.core.invoke('guest.restart', { host: 'lab-1', guest: 'web' }),
    ]);
    const succeeded = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error] : []));
    expect(succeeded).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(AgentCallError);
    expect((refused[0] as AgentCallError).code).toBe(ERROR_CODES.busy);
    expect(refused[0]?.message).toMatch(/^Host lab-1, guest web: .*busy/);
    expect(main!.core.state.guest('lab-1', 'web')?.state).toBe('running');
  });

  it('stops and deletes guests, and they leave the fleet state', async () => {
    const core = main!.core;
    const stopped = await core.invoke('guest.stop', { host: 'lab-2', guest: 'cache' });
    expect(stopped.state).toBe('stopped');
    expect(core.snapshot().alerts.map((alert) => alert.id)).not.toContain('guestStoppedUnexpectedly:lab-2:cache');
    await core.invoke('guest.delete', { host: 'lab-2', guest: 'cache' });
    expect(core.state.guest('lab-2', 'cache')).toBeUndefined();
    const listed = await lab.exec('lab-2', ['node', agentFile('lab-2'), 'list']);
    expect(listed.stdout).not.toMatch(/\bcache\b/);
    await expect(core.invoke('guest.start', { host: 'lab-2', guest: 'cache' })).rejects.toThrow(/^Host lab-2, guest cache: /);
  });
});
