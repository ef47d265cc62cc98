// The agent's two faces on a real lab host: the CLI session of the README and the RPC server
// with exec streaming and events, including changes made by another agent process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { labDown, labUp, type Lab } from '../lab/lab';
import { stageAgentBundle, type StagedAgent } from './support/agentBundle';
import { TestRpcClient, type AgentLine } from './support/agentRpcClient';
import { PROTOCOL_VERSION } from '../../shared/protocol/envelope';

const LAB = 'agfront';
const SUBNET = '10.231.7.0/24';
const HOST = 'lab-1';
const GUEST = 'bb1';
const GUEST_IP = '10.231.7.101';
let lab: Lab;
let staged: StagedAgent;
let bundle: string;
const servers: ChildProcess[] = [];

function agent(args: string[], input?: string): ReturnType<Lab['exec']> {
  return lab.exec(HOST, [process.execPath, bundle, ...args], { input, timeoutMs: 60_000 });
}

function serve(): { child: ChildProcess; client: TestRpcClient } {
  const child = lab.spawn(HOST, [process.execPath, bundle, 'serve', '--stdio']);
  servers.push(child);
  return { child, client: new TestRpcClient(child) };
}

beforeAll(async () => {
  staged = stageAgentBundle();
  bundle = staged.path;
  await labDown({ name: LAB });
  lab = await labUp({ name: LAB, hosts: 1, subnet: SUBNET });
}, 120_000);

afterAll(async () => {
  for (const child of servers) if (child.exitCode === null) child.kill('SIGKILL');
  if (lab) {
    // Stop the guest if a failed test left it running, so the lab tears down without strays.
    await agent(['stop', GUEST]).catch(() => undefined);
  }
  await labDown({ name: LAB });
  staged?.remove();
}, 120_000);

describe('the CLI session of the README', () => {
  it('builds a busybox guest, refuses a duplicate, and lists it stopped', async () => {
    const built = await agent(['build', GUEST, '-m', 'busybox', '--context', '1001', '--hostname', GUEST, '--interface', `${GUEST_IP}/24`, '--mark', 'boot']);
    expect(built.stderr).toBe('');
    expect(built.stdout).toContain(`Guest '${GUEST}' built at context 1001`);
    const again = await agent(['build', GUEST, '-m', 'skeleton', '--context', '1002']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    const sameXid = await agent(['build', 'bb9', '-m', 'skeleton', '--context', '1001']);
    expect(sameXid.stderr).toContain(`context id 1001 is already used by guest '${GUEST}'`);
    const list = JSON.parse((await agent(['list', '--json'])).stdout) as { guests: Array<{ config: { name: string }; status: { state: string } }> };
    expect(list.guests.map((guest) => [guest.config.name, guest.status.state])).toEqual([[GUEST, 'stopped']]);
    const status = await agent(['status', GUEST]);
    expect([status.code, status.stdout]).toEqual([3, `Vserver '${GUEST}' is stopped\n`]);
    expect((await agent(['status', 'nosuch'])).code).toBe(5);
  });

  it('starts it, shows it in stat and status, sets limits live and persists them', async () => {
    const started = await agent(['start', GUEST]);
    expect(started.stderr).toBe('');
    expect(started.stdout).toBe(`Vserver '${GUEST}' is running at context '1001'\n`);
    const status = await agent(['status', GUEST]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^Vserver '${GUEST}' is running at context '1001'\\nNumber of processes: +\\d+\\nUptime: +\\d\\d:\\d\\d\\n$`));
    const stat = (await agent(['stat'])).stdout.split('\n');
    expect(stat[0]).toBe('CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME');
    expect(stat.some((line) => /^1001 +\d+ .* bb1$/.test(line))).toBe(true);
    const limit = JSON.parse((await agent(['limit', GUEST, '--memory', '256M', '--memory-soft', '200M', '--procs', '50', '--cpu', '0.25', '--json'])).stdout) as {
      appliedLive: boolean; usage: { limits: Record<string, number>; processesCurrent: number };
    };
    expect(limit.appliedLive).toBe(true);
    expect(limit.usage.limits).toEqual({ memoryHard: 268_435_456, memorySoft: 209_715_200, processes: 50, cpuFillRate: 1, cpuInterval: 4 });
    expect(limit.usage.processesCurrent).toBeGreaterThan(0);
    expect((await lab.exec(HOST, ['cat', `/etc/vservers/${GUEST}/rlimits/rss.hard`, `/etc/vservers/${GUEST}/rlimits/nproc.hard`])).stdout).toBe('65536\n50\n');
    const shown = await agent(['limit', GUEST]);
    expect(shown.stdout).toContain('memory     256M');
  });

  it('passes stdin, stdout, stderr and the exit code of exec through', async () => {
    const result = await agent(['exec', GUEST, '--', '/bin/sh', '-c', 'read line; echo "got $line"; echo oops >&2; hostname; exit 7'], 'hello\n');
    expect(result.code).toBe(7);
    expect(result.stdout).toBe(`got hello\n${GUEST}\n`);
    expect(result.stderr).toBe('oops\n');
    const ps = await agent(['ps', GUEST]);
    expect(ps.stdout.split('\n')[0]).toMatch(/PID CONTEXT/);
    expect(ps.stdout).toMatch(/ 1001 bb1 /);
  });

  it('changes the nodename live with uname, and capabilities for the next start with caps', async () => {
    // virt_uptime is in util-vserver's default flags, so turning it off is what cflags records.
    const uname = JSON.parse((await agent(['uname', GUEST, '--nodename', 'renamed', '--flag', '~virt_uptime', '--flag', 'virt_load', '--json'])).stdout) as { appliedLive: boolean; cflags: string[] };
    expect(uname).toMatchObject({ appliedLive: true, flagsApplyAtNextStart: true, cflags: ['virt_load'] });
    expect((await agent(['exec', GUEST, '--', 'hostname'])).stdout).toBe('renamed\n');
    expect((await lab.exec(HOST, ['cat', `/etc/vservers/${GUEST}/uts/nodename`, `/etc/vservers/${GUEST}/cflags`])).stdout).toBe('renamed\nvirt_load\n!virt_uptime\n');
    expect((await agent(['uname', GUEST, '--nodename', GUEST, '--flag', 'virt_uptime', '--flag', '~virt_load'])).code).toBe(0);
    expect((await lab.exec(HOST, ['test', '-e', `/etc/vservers/${GUEST}/cflags`])).code).toBe(1);
    // Flags alone change nothing in the running guest: they wait for the next start, and the answer says so.
    const flagsOnly = JSON.parse((await agent(['uname', GUEST, '--flag', 'virt_load', '--json'])).stdout) as { appliedLive: boolean; flagsApplyAtNextStart?: boolean };
    expect(flagsOnly).toMatchObject({ appliedLive: false, flagsApplyAtNextStart: true });
    const flagsHuman = await agent(['uname', GUEST, '--flag', '~virt_load']);
    expect(flagsHuman.stdout).toContain('(the changed flags apply at the next start)');
    const untouched = JSON.parse((await agent(['uname', GUEST, '--nodename', GUEST, '--json'])).stdout) as { appliedLive: boolean; flagsApplyAtNextStart?: boolean };
    expect(untouched).toEqual(expect.objectContaining({ appliedLive: false }));
    expect(untouched.flagsApplyAtNextStart).toBeUndefined();
    const caps = JSON.parse((await agent(['caps', GUEST, '--drop', 'CAP_CHOWN', '--ccap', '~raw_icmp', '--json'])).stdout) as {
      bcapabilities: string[]; ccapabilities: string[]; appliesAtNextStart: boolean;
    };
    expect(caps.appliesAtNextStart).toBe(true);
    expect(caps.bcapabilities).not.toContain('CAP_CHOWN');
    expect(caps.ccapabilities).toEqual(['audit_control', 'set_utsname']);
    expect((await lab.exec(HOST, ['cat', `/etc/vservers/${GUEST}/bcapabilities`, `/etc/vservers/${GUEST}/ccapabilities`])).stdout).toBe('!CAP_CHOWN\n!raw_icmp\n');
    const human = await agent(['caps', GUEST]);
    expect(human.stdout).toContain('applied at the next start');
  });

  it('refuses to delete a running guest', async () => {
    const refused = await agent(['delete', GUEST]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('stop it before deleting');
  });
});

describe('the RPC server', () => {
  it('streams exec output, accepts stdin and reports the exit', async () => {
    const { child, client } = serve();
    const hello = await client.result<{ driver: string; protocolVersion: number }>('hello');
    expect(hello).toMatchObject({ driver: 'namespaces', protocolVersion: PROTOCOL_VERSION });
    const { session } = await client.result<{ session: string }>('exec', { name: GUEST, argv: ['/bin/sh', '-c', 'read x; echo "got $x"; echo e >&2; exit 3'] });
    await client.result('stdin', { session, data: Buffer.from('ping\n').toString('base64'), eof: true });
    const exit = await client.waitForEvent('execExit', (line) => line.event === 'execExit' && (line.data as { session: string }).session === session);
    expect((exit.data as { code: number }).code).toBe(3);
    const output = (stream: string): string => client.events
      .filter((line) => line.event === 'execOutput' && (line.data as { session: string; stream: string }).session === session && (line.data as { stream: string }).stream === stream)
      .map((line) => Buffer.from((line.data as { data: string }).data, 'base64').toString())
      .join('');
    expect(output('stdout')).toBe('got ping\n');
    expect(output('stderr')).toBe('e\n');
    const gone = await client.call('stdin', { session, data: '' });
    expect(gone.error?.code).toBe(1002);
    const sleeper = await client.result<{ session: string }>('exec', { name: GUEST, argv: ['sleep', '600'] });
    await client.result('signal', { session: sleeper.session, signal: 'SIGTERM' });
    const killed = await client.waitForEvent('execExit', (line) => line.event === 'execExit' && (line.data as { session: string }).session === sleeper.session);
    expect((killed.data as { code: number }).code).toBe(143);
    child.stdin?.end();
  });

  it('opens an interactive shell with a pty for enter', async () => {
    const { child, client } = serve();
    const { session } = await client.result<{ session: string }>('enter', { name: GUEST, cols: 100, rows: 30 });
    await client.result('stdin', { session, data: Buffer.from('stty size; [ -t 0 ] && echo on-a-terminal; exit 4\n').toString('base64') });
    const exit = await client.waitForEvent('execExit', (line) => line.event === 'execExit' && (line.data as { session: string }).session === session);
    expect((exit.data as { code: number }).code).toBe(4);
    const output = client.events
      .filter((line) => line.event === 'execOutput' && (line.data as { session: string }).session === session)
      .map((line) => Buffer.from((line.data as { data: string }).data, 'base64').toString())
      .join('');
    expect(output).toContain('30 100');
    expect(output).toContain('\non-a-terminal');
    child.stdin?.end();
  });

  it('tells state changes made by another agent process, and samples health for all guests at once', async () => {
    const { child, client } = serve();
    const { guests } = await client.result<{ guests: Array<{ name: string; state: string }> }>('subscribe', { guestState: true, healthIntervalMs: 300 });
    expect(guests).toEqual([expect.objectContaining({ name: GUEST, state: 'running' })]);
    const sample = await client.waitForEvent('healthSample', (line) => line.event === 'healthSample');
    const data = sample.data as { memoryTotal: number; guests: Array<{ name: string; processes: number; state: string }> };
    expect(data.memoryTotal).toBeGreaterThan(0);
    expect(data.guests).toEqual([expect.objectContaining({ name: GUEST, state: 'running' })]);

    expect((await agent(['stop', GUEST])).code).toBe(0);
    const stopped = await client.waitForEvent('guestState stopped', (line: AgentLine) => line.event === 'guestState' && (line.data as { state: string }).state === 'stopped');
    expect(stopped.data).toMatchObject({ name: GUEST, xid: 1001, state: 'stopped', previous: 'running' });

    const marked = JSON.parse((await agent(['start', '--marked', 'boot', '--json'])).stdout) as { results: Array<{ name: string; ok: boolean }> };
    expect(marked.results).toEqual([expect.objectContaining({ name: GUEST, ok: true })]);
    const running = await client.waitForEvent('guestState running', (line: AgentLine) => line.event === 'guestState' && (line.data as { state: string }).state === 'running');
    expect(running.data).toMatchObject({ name: GUEST, state: 'running', previous: 'stopped' });
    await client.result('unsubscribe');
    child.stdin?.end();
  });

  it('names a guest whose configuration is unreadable, refuses builds meanwhile, and never reports it deleted', async () => {
    const contextFile = `/etc/vservers/${GUEST}/context`;
    const original = (await lab.exec(HOST, ['cat', contextFile])).stdout;
    const { child, client } = serve();
    await client.result('subscribe', { guestState: true, healthIntervalMs: 300 });
    try {
      expect((await lab.exec(HOST, ['sh', '-c', 'echo abc > "$1"', 'sh', contextFile])).code).toBe(0);
      const list = JSON.parse((await agent(['list', '--json'])).stdout) as { guests: unknown[]; unreadable: Array<{ name: string; error: string }> };
      expect(list.guests).toEqual([]);
      expect(list.unreadable).toEqual([expect.objectContaining({ name: GUEST, error: expect.stringContaining('configuration unreadable') })]);
      expect((await agent(['list'])).stdout).toContain(`guest ${GUEST}: configuration unreadable`);
      expect((await agent(['stat'])).stdout).toContain(`guest ${GUEST}: configuration unreadable`);
      const refused = await agent(['build', 'bb9', '-m', 'skeleton', '--context', '1009']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`guest '${GUEST}': configuration unreadable`);
      expect((await lab.exec(HOST, ['test', '-e', '/etc/vservers/bb9'])).code).toBe(1);
      // A sample taken after the corruption names the guest; by then the state watcher has polled it too.
      const sample = await client.waitForEvent('healthSample naming the unreadable guest', (line) =>
        line.event === 'healthSample' && ((line.data as { unreadable?: Array<{ name: string }> }).unreadable ?? []).some((guest) => guest.name === GUEST));
      expect((sample.data as { guests: unknown[] }).guests).toEqual([]);
      const sampleIndex = client.events.indexOf(sample);
      await client.waitForEvent('a later healthSample', (line) => line.event === 'healthSample' && client.events.indexOf(line) > sampleIndex);
      expect(client.events.filter((line) => line.event === 'guestState' && (line.data as { state: string }).state === 'deleted')).toEqual([]);
    } finally {
      await lab.exec(HOST, ['sh', '-c', 'printf %s "$2" > "$1"', 'sh', contextFile, original]);
      child.stdin?.end();
    }
    expect(JSON.parse((await agent(['status', GUEST, '--json'])).stdout)).toMatchObject({ name: GUEST, state: 'running' });
  });

  it('leaves guests running when the agent is killed; a new agent finds them', async () => {
    const { child, client } = serve();
    await client.result('hello');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const status = await agent(['status', GUEST, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: GUEST, state: 'running' });
  });
});

describe('stopping and deleting', () => {
  it('stops the guest and deletes root, configuration and kernel objects', async () => {
    const stopped = await agent(['stop', GUEST]);
    expect(stopped.stdout).toBe(`Vserver '${GUEST}' is stopped\n`);
    const deleted = await agent(['delete', GUEST]);
    expect(deleted.stdout).toContain(`Guest '${GUEST}' deleted`);
    const left = await lab.exec(HOST, ['ls', '-A', '/etc/vservers', '/vservers']);
    expect(left.stdout).not.toContain(GUEST);
  });

  it('an interrupted CLI build leaves nothing half-made', async () => {
    await lab.exec(HOST, ['sh', '-c', 'mkdir -p /tmp/big && for i in $(seq 1 30); do head -c 8388608 /dev/urandom > /tmp/big/blob-$i; done']);
    const building = lab.spawn(HOST, [process.execPath, bundle, 'build', 'half', '-m', 'rsync', '--context', '1003', '--', '--source', '/tmp/big']);
    servers.push(building);
    for (;;) {
      const listing = await lab.exec(HOST, ['sh', '-c', 'ls -A /vservers']);
      if (listing.stdout.includes('.vfleet-build-')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    building.kill('SIGTERM');
    await new Promise((resolve) => building.once('exit', resolve));
    // The agent inside the host gets SIGTERM through its parent's death signal, then cleans up.
    let listing = '';
    for (let attempt = 0; attempt < 100; attempt += 1) {
      listing = (await lab.exec(HOST, ['sh', '-c', 'ls -A /vservers /etc/vservers; ls -A /etc/vservers/.vfleet/builds 2>/dev/null || true'])).stdout;
      if (!listing.includes('.vfleet-build-')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(listing).not.toContain('half');
    expect(listing).not.toContain('.vfleet-build-');
  });
});
