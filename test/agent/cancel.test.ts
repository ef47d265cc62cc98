// Cancel on a real lab host (lab `onboard`, 10.213.146.0/24): a template build reading a tarball
// from a fifo that never ends (so it is always half-way when cancelled) is stopped by a protocol
// `cancel`, by an aborted fleet-core call and by Ctrl-C in the vfleet CLI; tar, gzip and every file the build made are gone,
// and the name is free again. A real debootstrap (offline, from the cached .debs) cancelled while
// it installs packages with /proc and /sys mounted in the new root leaves no mount, process or
// file. A start cancelled while it probes the guest's address, or while it waits for an init that
// keeps a launcher stage's name, leaves the guest stopped, no process, netns or pid file of it,
// and its lock free.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ERROR_CODES, PROTOCOL_VERSION } from '../../shared/protocol/envelope';
import { labDown, labUp, type Lab } from '../lab/lab';
import { waitUntil } from '../lab/system/processTable';
import { onboardLabHosts, removeDataDir, startCore, unpinAgentBundle, type CoreHandle } from '../core/support/coreOnLab';
import { REPOSITORY_ROOT } from '../core/support/vfleetCommand';
import { stageAgentBundle, type StagedAgent } from './support/agentBundle';
import { debianRoot } from '../support/debianRoot';
import { TestRpcClient } from './support/agentRpcClient';
import { slowTemplate, truncatedTarball } from '../support/slowTemplate';
import { tarArchive } from './support/tarArchive';

const LAB = { name: 'onboard', subnet: '10.213.146.0/24', hosts: 1 };
const HOST = 'lab-1';
/** Free on the lab network: its probe runs the full two seconds of arping's deadline. */
const FREE_IP = '10.213.146.150';

let lab: Lab;
let staged: StagedAgent;
let shared: string;
const servers: ChildProcess[] = [];

async function onHost(script: string): Promise<string> {
  const result = await lab.exec(HOST, ['sh', '-c', script], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`${script}: exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

function serve(): TestRpcClient {
  const child = lab.spawn(HOST, [process.execPath, staged.path, 'serve', '--stdio']);
  servers.push(child);
  return new TestRpcClient(child);
}

/** Polls the host until `script` prints something (a state the test waits for, never a time it asserts). */
async function untilHost(what: string, script: string, timeoutMs = 30_000): Promise<string> {
  let output = '';
  const seen = await waitUntil(async () => (output = (await lab.exec(HOST, ['sh', '-c', script])).stdout.trim()) !== '', timeoutMs, 50);
  if (!seen) throw new Error(`timed out waiting for ${what}`);
  return output;
}

/** Until arping probes `ip` on the host: it waits out its two-second deadline for an address nobody holds. */
async function untilProbing(ip: string): Promise<void> {
  await untilHost(`the probe of ${ip}`, `ps -eo args= | grep -x '.*arping .* ${ip.replace(/\./g, '\\.')}'`);
}

/** Everything a build of `name` could leave: its config and root, temporary build folders, its lock. */
function leftovers(name: string): Promise<string> {
  return onHost(`ls -d /etc/vservers/${name} /vservers/${name} /vservers/.vfleet-build-* /etc/vservers/.vfleet/builds/* /etc/vservers/.vfleet/locks/${name}.locks 2>/dev/null; true`);
}

/** Host processes running one of these programs, as "pid comm" lines. */
function processesNamed(...names: string[]): Promise<string> {
  return onHost(`ps -eo pid=,comm= | awk '${names.map((name) => `$2 == "${name}"`).join(' || ')}'`);
}

/** Processes of the host that `before` (from processTable) did not have, the looking command's own left out. */
async function processTable(): Promise<Map<string, string>> {
  const lines = (await onHost('ps -eo pid=,ppid=,args= | awk -v self=$$ \'$1 != self && $2 != self\'')).trim().split('\n');
  return new Map(lines.map((line) => line.trim().split(/\s+/)).map(([pid = '', , ...args]) => [pid, args.join(' ')]));
}

async function newProcesses(before: Map<string, string>): Promise<string[]> {
  return [...(await processTable())].filter(([pid]) => !before.has(pid)).map(([pid, args]) => `${pid} ${args}`);
}

beforeAll(async () => {
  staged = stageAgentBundle();
  shared = mkdtempSync('/var/tmp/vfleet-cancel-test-');
  await labDown({ name: LAB.name });
  lab = await labUp(LAB);
}, 120_000);

afterAll(async () => {
  for (const child of servers) if (child.exitCode === null) child.kill('SIGKILL');
  await labDown({ name: LAB.name });
  staged?.remove();
  if (shared) rmSync(shared, { recursive: true, force: true });
}, 120_000);

describe('cancel through the agent protocol', () => {
  it('stops a template build half-way through its tarball and leaves nothing of it', async () => {
    const feed = await slowTemplate(lab, HOST, '/tmp/slow.tar', truncatedTarball(), shared);
    const client = serve();
    const build = client.request('build', { name: 'slow', method: 'template', source: feed.path, xid: 310 });
    // tar has written the first file into the temporary root and waits for the rest, which never comes.
    const halfMade = await untilHost('the first file in the temporary root', 'cat /vservers/.vfleet-build-*/etc/first 2>/dev/null');
    expect(halfMade).toBe('complete');
    expect(await processesNamed('tar')).not.toBe('');

    const cancel = await client.call('cancel', { id: build.id });
    expect(cancel.result).toEqual({ inFlight: true });
    const answer = await build.response;
    expect(answer.error?.code).toBe(ERROR_CODES.cancelled);
    expect(answer.error?.message).toBe('the build was interrupted; nothing was left behind');
    expect(await leftovers('slow')).toBe('');
    expect(await processesNamed('tar')).toBe('');

    // The name, the id and the lock are free: the same build from a complete template succeeds.
    await feed.end();
    const template = join(shared, 'complete.tar');
    writeFileSync(template, tarArchive([{ type: 'directory', name: 'etc' }, { type: 'file', name: 'etc/first', data: 'complete\n' }]));
    const built = await client.call('build', { name: 'slow', method: 'template', source: template, xid: 310 });
    expect(built.error).toBeUndefined();
    expect(await onHost('cat /vservers/slow/etc/first')).toBe('complete\n');
    expect((await client.call('delete', { name: 'slow' })).error).toBeUndefined();
  });

  it('kills every process of the build (tar and the gzip it started), not only the first', async () => {
    const feed = await slowTemplate(lab, HOST, '/tmp/slow.tar.gz', gzipSync(truncatedTarball()), shared);
    const client = serve();
    const build = client.request('build', { name: 'slowgz', method: 'template', source: feed.path, xid: 311 });
    await untilHost('tar and its gzip', `ps -eo comm= | grep -x gzip`);
    expect(await processesNamed('tar')).not.toBe('');

    expect((await client.call('cancel', { id: build.id })).result).toEqual({ inFlight: true });
    expect((await build.response).error?.code).toBe(ERROR_CODES.cancelled);
    expect(await processesNamed('tar', 'gzip')).toBe('');
    expect(await leftovers('slowgz')).toBe('');
    await feed.end();
  });

  it('stops a real debootstrap while it installs packages: no mount, process or file of it is left', async () => {
    const debian = await debianRoot();
    const client = serve();
    // The agent itself runs before the table is read (its launch through the lab's nsenter may lag the spawn).
    expect((await client.call('hello', { client: 'cancel-test', protocolVersion: PROTOCOL_VERSION })).error).toBeUndefined();
    const before = await processTable();
    const build = client.request('build', { name: 'deb', method: 'debootstrap', xid: 313, distribution: debian.spec.suite, debootstrapOptions: debian.debootstrapOptions });
    // The second stage: dpkg configures packages in the new root with /proc mounted there.
    await untilHost('debootstrap\'s /proc in the new root', 'grep " /vservers/.vfleet-build-[^ ]*-deb/proc " /proc/self/mountinfo', 300_000);
    expect((await newProcesses(before)).some((line) => line.includes('debootstrap'))).toBe(true);

    expect((await client.call('cancel', { id: build.id })).result).toEqual({ inFlight: true });
    const answer = await build.response;
    expect(answer.error?.code).toBe(ERROR_CODES.cancelled);
    expect(await onHost('grep " /vservers/" /proc/self/mountinfo; true')).toBe('');
    expect(await newProcesses(before)).toEqual([]);
    expect(await leftovers('deb')).toBe('');
  }, 400_000);

  it('answers a cancel of a request that is not running with inFlight false, and changes nothing', async () => {
    const client = serve();
    expect((await client.call('cancel', { id: 'no-such-request' })).result).toEqual({ inFlight: false });
    const done = client.request('list');
    await done.response;
    expect((await client.call('cancel', { id: done.id })).result).toEqual({ inFlight: false });
    expect((await client.call('cancel', { id: {} })).error?.code).toBe(ERROR_CODES.invalidParams);
  });

  it('stops a start while it waits for the guest\'s init, and removes everything the launch made', async () => {
    const client = serve();
    expect((await client.call('build', { name: 'slowinit', method: 'busybox', xid: 314 })).error).toBeUndefined();
    // An init that keeps a launcher stage's name ("sh vfleet-stopper"), so the start waits on for it to come up.
    await onHost([
      'printf \'#!/bin/sh\\necho up > /root/launched\\ncd /sbin && exec sh vfleet-stopper\\n\' > /vservers/slowinit/sbin/init',
      'printf \'while :; do sleep 1; done\\n\' > /vservers/slowinit/sbin/vfleet-stopper',
    ].join(' && '));
    const before = await processTable();
    const start = client.request('start', { name: 'slowinit' });
    await untilHost('the guest\'s init', 'cat /vservers/slowinit/root/launched 2>/dev/null');
    expect((await newProcesses(before)).some((line) => line.endsWith('sh vfleet-stopper'))).toBe(true);

    expect((await client.call('cancel', { id: start.id })).result).toEqual({ inFlight: true });
    const answer = await start.response;
    expect(answer.error?.code).toBe(ERROR_CODES.cancelled);
    expect(answer.error?.message).toBe('the start was cancelled; the guest is stopped and nothing it started is left');
    expect(await newProcesses(before)).toEqual([]);
    expect((await client.result<{ state: string }>('status', { name: 'slowinit' })).state).toBe('stopped');
    expect(await onHost('ip netns list; find /run/vfleet/guests /etc/vservers/.vfleet/locks -mindepth 1 2>/dev/null; true')).toBe('');

    // The agent's own CLI: SIGINT (Ctrl-C) during `vfleet-agent start` stops the start before the agent exits.
    const interrupted = await lab.exec(HOST, ['sh', '-c', [
      `rm -f /vservers/slowinit/root/launched; ${process.execPath} ${staged.path} start slowinit & agent=$!`,
      'until [ -e /vservers/slowinit/root/launched ]; do sleep 0.05; done',
      'kill -INT $agent; wait $agent; echo "exit $?"',
    ].join('; ')], { timeoutMs: 60_000 });
    expect([interrupted.stdout, interrupted.stderr]).toEqual(['exit 1\n', `vfleet-agent: guest 'slowinit' on host ${HOST}: the start was cancelled; the guest is stopped and nothing it started is left\n`]);
    expect(await newProcesses(before)).toEqual([]);
    expect((await client.result<{ state: string }>('status', { name: 'slowinit' })).state).toBe('stopped');
    expect(await onHost('ip netns list; find /run/vfleet/guests /etc/vservers/.vfleet/locks -mindepth 1 2>/dev/null; true')).toBe('');
    expect((await client.call('delete', { name: 'slowinit' })).error).toBeUndefined();
  });

  it('stops a start while it probes the guest\'s address: the guest stays stopped and unlocked', async () => {
    const client = serve();
    expect((await client.call('build', { name: 'probed', method: 'busybox', xid: 312, interfaces: [{ ip: FREE_IP, prefix: 24 }] })).error).toBeUndefined();
    const start = client.request('start', { name: 'probed' });
    // The start is under way while arping probes the address.
    await untilProbing(FREE_IP);
    expect((await client.call('cancel', { id: start.id })).result).toEqual({ inFlight: true });
    const answer = await start.response;
    expect(answer.error?.code).toBe(ERROR_CODES.cancelled);
    expect(answer.error?.message).toBe('the start was cancelled; the guest is stopped');
    expect(await processesNamed('arping')).toBe('');
    expect((await client.result<{ state: string }>('status', { name: 'probed' })).state).toBe('stopped');
    expect(await onHost('ip netns list; ls /etc/vservers/.vfleet/locks/ 2>/dev/null; true')).toBe('');

    // Unlocked and whole: it starts and stops normally.
    expect((await client.result<{ state: string }>('start', { name: 'probed' })).state).toBe('running');
    expect((await client.result<{ state: string }>('stop', { name: 'probed' })).state).toBe('stopped');
    expect((await client.call('delete', { name: 'probed' })).error).toBeUndefined();
  });
});

describe('cancel through the fleet core', () => {
  let handle: CoreHandle | undefined;

  afterAll(async () => {
    await handle?.close();
    await removeDataDir(handle);
    await unpinAgentBundle();
  });

  it('an aborted guest.build call stops the build on the host, which is left clean', async () => {
    handle = await startCore();
    await onboardLabHosts(handle.core, lab);
    const feed = await slowTemplate(lab, HOST, '/tmp/core-slow.tar', truncatedTarball(), shared);
    const controller = new AbortController();
    const building = handle.core.invoke('guest.build', { host: HOST, build: { name: 'coreslow', method: 'template', source: feed.path, xid: 320 } }, controller.signal);
    const failed = building.then(() => undefined, (error: unknown) => error as Error);
    await untilHost('the first file in the temporary root', 'cat /vservers/.vfleet-build-*/etc/first 2>/dev/null');
    controller.abort();
    const error = await failed;
    expect(error?.message).toBe(`Host ${HOST}, guest coreslow: the build was interrupted; nothing was left behind`);
    expect(await leftovers('coreslow')).toBe('');
    expect(await processesNamed('tar')).toBe('');
    await feed.end();
    // The core's own guest lock is free again: the same call builds.
    const built = await handle.core.invoke('guest.build', { host: HOST, build: { name: 'coreslow', method: 'skeleton', xid: 320 } });
    expect(built).toMatchObject({ name: 'coreslow', state: 'stopped', warnings: [] });
    await handle.core.invoke('guest.delete', { host: HOST, guest: 'coreslow' });
    const audit = await handle.core.invoke('audit.query', { guest: 'coreslow', action: 'guest.build' });
    expect(audit.map((entry) => [entry.result, entry.error])).toEqual([['error', error?.message], ['ok', undefined]]);
  });

  it('an aborted guest.start call stops the start on the host; the guest is stopped and the next start runs', async () => {
    await handle!.core.invoke('guest.build', { host: HOST, build: { name: 'corestart', method: 'busybox', xid: 322, interfaces: [{ ip: FREE_IP, prefix: 24 }] } });
    const controller = new AbortController();
    const failed = handle!.core.invoke('guest.start', { host: HOST, guest: 'corestart' }, controller.signal).then(() => undefined, (error: unknown) => error as Error);
    await untilProbing(FREE_IP);
    controller.abort();
    expect((await failed)?.message).toBe(`Host ${HOST}, guest corestart: the start was cancelled; the guest is stopped`);
    expect(await processesNamed('arping')).toBe('');
    expect(await onHost('ip netns list')).toBe('');
    expect((await handle!.core.invoke('guest.start', { host: HOST, guest: 'corestart' })).state).toBe('running');
    await handle!.core.invoke('guest.stop', { host: HOST, guest: 'corestart' });
    await handle!.core.invoke('guest.delete', { host: HOST, guest: 'corestart' });
  });

  it('Ctrl-C in `vfleet guest build` cancels the build on the host', async () => {
    const feed = await slowTemplate(lab, HOST, '/tmp/cli-slow.tar', truncatedTarball(), shared);
    const cli = spawn(process.execPath, [join(REPOSITORY_ROOT, 'bin/vfleet.mjs'), '--connect-timeout', '60', 'guest', 'build', HOST, 'clislow', '--xid', '321', '-m', 'template', '--source', feed.path], {
      cwd: REPOSITORY_ROOT, env: { ...process.env, VFLEET_CONFIG_DIR: handle!.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    cli.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => cli.on('close', resolve));
    await untilHost('the first file in the temporary root', 'cat /vservers/.vfleet-build-*-clislow/etc/first 2>/dev/null');
    cli.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toBe(`vfleet: cancelling; waiting for the host to stop and clean up\nvfleet: Host ${HOST}, guest clislow: the build was interrupted; nothing was left behind\n`);
    expect(await leftovers('clislow')).toBe('');
    await feed.end();
  });
});
