// Against a 3-host lab: the agent deployed is the installed program's own bundle whatever folder
// vfleet runs in; jump hosts connect outside the targets' connect slots, recover from a failure
// and keep tunnels up when they cannot run an agent; exec stdin of any allowed size reaches the
// command with its end-of-file, and fleet exec output is capped per target and in total.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentBundle } from '../../electron/core/agent/agentBundle';
import { labDown, labUp, type Lab } from '../lab/lab';
import { FLEET_EXEC_TARGET_OUTPUT_BYTES } from '../../electron/core/actions/fleetExec';
import { addLabHosts, removeDataDir, startCore, unpinAgentBundle, waitFor, type CoreHandle } from './support/coreOnLab';
import { HIDE_NODE_SCRIPT } from './support/hideNode';
import { REPOSITORY_ROOT, runVfleet, type CliResult } from './support/vfleetCommand';

const LAB = { name: 'sealcore', subnet: '10.213.134.0/24', hosts: 3 };
const ROOT = REPOSITORY_ROOT;

describe('deploying the agent, jump hosts and large exec payloads', () => {
  let lab: Lab;
  const scratch: string[] = [];
  const handles: CoreHandle[] = [];

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
  }, 120_000);

  afterAll(async () => {
    for (const handle of handles) {
      await handle.close();
      await removeDataDir(handle);
    }
    await unpinAgentBundle();
    await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
    await labDown({ name: LAB.name });
  });

  const tempDir = async (prefix: string): Promise<string> => {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  };

  /** The installed command, run from `cwd` with its own config folder and no bundle override. */
  const vfleet = (cwd: string, configDir: string, ...argv: string[]): Promise<CliResult> => {
    const { VFLEET_AGENT_BUNDLE: _override, ...env } = process.env;
    return runVfleet(['--connect-timeout', '60', ...argv], { cwd, env: { ...env, VFLEET_CONFIG_DIR: configDir } });
  };

  it('deploys the installed bundle, not one planted in the folder where vfleet runs', async () => {
    const planted = await tempDir('vfleet-planted-');
    await mkdir(path.join(planted, 'host-agent', 'dist'), { recursive: true });
    const plantedBundle = path.join(planted, 'host-agent', 'dist', 'vfleet-agent.js');
    await writeFile(plantedBundle, "require('fs').writeFileSync('/var/lib/vfleet/planted-ran', 'root');\n");
    const configDir = await tempDir('vfleet-cli-');
    const added = await vfleet(planted, configDir, '--known-hosts', lab.knownHostsPath, 'hosts', 'add', 'lab-1', lab.host('lab-1').address, '--key', lab.keyPath);
    expect(added.code, added.stderr).toBe(0);
    const connected = await vfleet(planted, configDir, '--known-hosts', lab.knownHostsPath, 'hosts', 'connect', 'lab-1');
    expect(connected.code, connected.stdout + connected.stderr).toBe(0);

    const installed = await loadAgentBundle(path.join(ROOT, 'host-agent', 'dist', 'vfleet-agent.js'));
    const plantedHash = (await loadAgentBundle(plantedBundle)).sha256;
    const deployed = (await lab.exec('lab-1', ['ls', '/var/lib/vfleet/agent'])).stdout.split('\n').filter(Boolean);
    expect(deployed).toContain(installed.sha256);
    expect(deployed).not.toContain(plantedHash);
    expect((await lab.exec('lab-1', ['test', '-e', '/var/lib/vfleet/planted-ran'])).code).not.toBe(0);
  }, 120_000);

  describe('exec input and output sizes', () => {
    let core: CoreHandle['core'];

    beforeAll(async () => {
      const handle = await startCore({ knownHostsFiles: [lab.knownHostsPath] });
      handles.push(handle);
      core = handle.core;
      await addLabHosts(core, lab, ['lab-2', 'lab-3']);
      const statuses = await core.invoke('hosts.connect', { names: ['lab-2', 'lab-3'], timeoutMs: 60_000 });
      for (const status of statuses) expect(status.connection, status.error).toBe('connected');
      for (const [host, name, xid] of [['lab-2', 'big2', 602], ['lab-3', 'big3', 603]] as const) {
        await core.invoke('guest.build', { host, build: { name, method: 'busybox', xid } });
        await core.invoke('guest.start', { host, guest: name });
      }
    }, 120_000);

    it('hands stdin of almost 1 MB to the command, end-of-file included', async () => {
      const stdin = `${'0123456789'.repeat(99_999)}end`;
      const outcome = await core.invoke('guest.exec', { host: 'lab-2', guest: 'big2', argv: ['sh', '-c', 'wc -c; echo done'], stdin, timeoutMs: 30_000 });
      expect(outcome.error).toBeUndefined();
      expect(outcome.exitCode).toBe(0);
      expect(outcome.stdout.split(/\s+/).filter(Boolean)).toEqual([String(stdin.length), 'done']);
    }, 60_000);

    it('keeps at most the per-target share of each target\'s output in a fleet exec, and says where it was cut', async () => {
      const result = await core.invoke('fleet.exec', {
        hosts: ['lab-2', 'lab-3'],
        argv: ['sh', '-c', 'yes out | head -c 700000; yes err | head -c 700000 >&2'],
        timeoutMs: 60_000,
      });
      expect(result.results).toHaveLength(2);
      for (const outcome of result.results) {
        expect(outcome.exitCode, outcome.error).toBe(0);
        const kept = Buffer.byteLength(outcome.stdout.replace(/\n\[vfleet: .*\n$/, '')) + Buffer.byteLength(outcome.stderr.replace(/\n\[vfleet: .*\n$/, ''));
        expect(kept).toBe(FLEET_EXEC_TARGET_OUTPUT_BYTES);
        expect(outcome.stderr).toContain(`[vfleet: output truncated at ${FLEET_EXEC_TARGET_OUTPUT_BYTES} bytes, the limit per target of a fleet exec; ${1_400_000 - FLEET_EXEC_TARGET_OUTPUT_BYTES} more bytes dropped]`);
      }
    }, 90_000);
  });

  describe('jump hosts', () => {
    const TARGETS = ['via-2', 'via-3'];
    let knownTargets = '';

    beforeAll(async () => {
      const hidden = await lab.exec('lab-1', ['sh', '-c', HIDE_NODE_SCRIPT]);
      expect(hidden.code, hidden.stderr).toBe(0);
      // known_hosts vouching for the targets only: the jump host's key waits for the admin.
      knownTargets = path.join(await tempDir('vfleet-known-'), 'known_hosts');
      const lines = (await readFile(lab.knownHostsPath, 'utf8')).split('\n');
      await writeFile(knownTargets, lines.filter((line) => !line.split(' ')[0]?.split(',').some((name) => name === 'lab-1' || name === lab.host('lab-1').address)).join('\n'));
    });

    const fleetBehindJump = async (options: Parameters<typeof startCore>[0]): Promise<CoreHandle['core']> => {
      const handle = await startCore(options);
      handles.push(handle);
      await addLabHosts(handle.core, lab, ['lab-1']);
      for (const [name, target] of [['via-2', 'lab-2'], ['via-3', 'lab-3']] as const) {
        await handle.core.invoke('hosts.add', { name, address: lab.host(target).address, jump: 'lab-1', auth: { kind: 'keyFile', keyPath: lab.keyPath } });
      }
      return handle.core;
    };

    it('connects targets through a jump host even when they hold every connect slot', async () => {
      const core = await fleetBehindJump({ knownHostsFiles: [lab.knownHostsPath], maxConcurrentConnects: 1 });
      const started = Date.now();
      const statuses = await core.invoke('hosts.connect', { names: TARGETS, timeoutMs: 30_000 });
      for (const status of statuses) expect(status.connection, status.error).toBe('connected');
      // Well inside the time a target waits for its jump host (2 x readyTimeoutMs = 8 s).
      expect(Date.now() - started).toBeLessThan(7_000);
      // Connected only as a jump host: no agent was started on it.
      expect(core.state.host('lab-1')).toMatchObject({ connection: 'connected' });
      expect(core.state.host('lab-1')?.agent).toBeUndefined();
      await expect(core.invoke('fleet.stat', { names: ['lab-1'] })).resolves.toMatchObject({ errors: [{ host: 'lab-1', error: expect.stringMatching(/connected only as a jump host/) }] });
    }, 60_000);

    it('retries targets while their jump host waits for approval, and keeps a jump host without Node connected for them', async () => {
      const core = await fleetBehindJump({ knownHostsFiles: [knownTargets] });
      const waiting = await core.invoke('hosts.connect', { names: TARGETS, timeoutMs: 3_000 });
      for (const status of waiting) {
        expect(status.connection).toBe('unreachable');
        expect(status.error).toContain(`Host ${status.name}: its jump host lab-1 is not available (`);
      }
      const jump = core.state.host('lab-1');
      expect(jump?.connection).toBe('pendingApproval');
      await core.invoke('hosts.approveKey', { name: 'lab-1', fingerprint: jump!.offeredFingerprint! });
      // Nobody asks again: the targets' own retries find the jump host up.
      for (const name of TARGETS) {
        await waitFor(`${name} connected with its agent`, () => core.state.host(name)?.agent !== undefined, 30_000);
      }
      await waitFor('the jump host\'s agent error', () => core.state.host('lab-1')?.agentError, 30_000);
      const jumpHost = core.state.host('lab-1');
      expect(jumpHost?.connection).toBe('connected');
      expect(jumpHost?.agentError).toContain('install Node.js 18 or newer');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const stat = await core.invoke('fleet.stat', { names: TARGETS });
      expect(stat.errors).toEqual([]);
      expect(new Set(stat.rows.map((row) => row.host))).toEqual(new Set(TARGETS));
      expect(core.state.host('lab-1')?.connection).toBe('connected');
      // Asking for the jump host's agent fails at once with the cause, the connection stays.
      await expect(core.invoke('guest.start', { host: 'lab-1', guest: 'none' })).rejects.toThrow(/install Node\.js 18 or newer/);
      const [again] = await core.invoke('hosts.connect', { names: ['lab-1'], timeoutMs: 30_000 });
      expect(again).toMatchObject({ connection: 'connected' });
      expect(again?.agentError).toContain('install Node.js 18 or newer');
    }, 90_000);
  });
});
