// Against a 3-host lab: the agent deployed is the installed program's own bundle whatever folder
// vfleet runs in; jump hosts connect outside the targets' connect slots, recover from a failure
// and keep tunnels up when they cannot run an agent; exec stdin of any allowed size reaches the
// command with its end-of-file, and fleet exec output is capped per target and in total.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentBundle } from '../../electron/core/agent/agentBundle';
import { labDown, labUp, type Lab } from '../lab/lab';
import { FLEET_EXEC_TARGET_OUTPUT_BYTES } from '../../electron/core/actions/fleetExec';
import { addLabHosts, removeDataDir, startCore, unpinAgentBundle, type CoreHandle } from './support/coreOnLab';
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
});
