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
import { removeDataDir, unpinAgentBundle, type CoreHandle } from './support/coreOnLab';
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
});
