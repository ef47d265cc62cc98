// What the onboarding dialogs ask the core without a lab: importing only the hosts the admin
// checked in the preview (an unknown name refuses the whole call and adds nothing), and whether
// ssh-agent is usable here (SSH_AUTH_SOCK unset, naming a plain file, naming a real socket).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostDefaults } from '../../electron/core/actions/hostActions';
import { createFleetCore, type FleetCore } from '../../electron/core/fleet';

let dataDir: string;
let core: FleetCore;
let configPath: string;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vfleet-onboarding-'));
  core = await createFleetCore({ dataDir, knownHostsFiles: [], agentBundlePath: path.join(dataDir, 'no-bundle.js') });
  configPath = path.join(dataDir, 'ssh_config');
  await writeFile(configPath, [
    'Host alpha', '  HostName 192.0.2.11', '  User root',
    'Host beta', '  HostName 192.0.2.12', '  User root',
    'Host gamma', '  HostName 192.0.2.13', '  Port 2222', '',
  ].join('\n'));
});

afterEach(async () => {
  await core.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('hosts.importApply with a selection', () => {
  it('adds only the named hosts of the preview', async () => {
    const preview = await core.invoke('hosts.importPreview', { kind: 'ssh_config', path: configPath });
    expect(preview.toAdd.map((candidate) => candidate.host.name)).toEqual(['alpha', 'beta', 'gamma']);
    const result = await core.invoke('hosts.importApply', { kind: 'ssh_config', path: configPath, names: ['alpha', 'gamma'] });
    expect(result).toEqual({ added: ['alpha', 'gamma'], notAdded: [] });
    expect((await core.invoke('hosts.list', {})).map((host) => `${host.name} ${host.address}:${host.port}`)).toEqual(['alpha 192.0.2.11:22', 'gamma 192.0.2.13:2222']);
    // beta is still offered; the two added ones now show as existing.
    const again = await core.invoke('hosts.importPreview', { kind: 'ssh_config', path: configPath });
    expect(again.toAdd.map((candidate) => candidate.host.name)).toEqual(['beta']);
    expect(again.existing.map((candidate) => candidate.existingName)).toEqual(['alpha', 'gamma']);
  });

  it('refuses a name the preview would not add, and an empty selection, and adds nothing', async () => {
    await expect(core.invoke('hosts.importApply', { kind: 'ssh_config', path: configPath, names: ['alpha', 'delta'] }))
      .rejects.toThrow(`delta: not among the hosts ${configPath} would add (alpha, beta, gamma); nothing was imported`);
    await expect(core.invoke('hosts.importApply', { kind: 'ssh_config', path: configPath, names: [] })).rejects.toThrow('name at least one host to import');
    expect(await core.invoke('hosts.list', {})).toEqual([]);
  });

  it('without names adds every host of the preview, as before', async () => {
    expect((await core.invoke('hosts.importApply', { kind: 'ssh_config', path: configPath })).added).toEqual(['alpha', 'beta', 'gamma']);
  });
});

describe('hosts.defaults', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('says ssh-agent is usable only when SSH_AUTH_SOCK names a socket, and gives ~/.ssh/config', async () => {
    const sshConfigPath = path.join(homedir(), '.ssh', 'config');
    expect(await hostDefaults({})).toEqual({ sshAgent: { usable: false, detail: 'no ssh-agent: SSH_AUTH_SOCK is not set where vfleet runs' }, sshConfigPath });
    expect((await hostDefaults({ SSH_AUTH_SOCK: configPath })).sshAgent).toEqual({ usable: false, detail: `SSH_AUTH_SOCK names ${configPath}, which is not a socket` });
    const socket = path.join(dataDir, 'agent.sock');
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(socket, resolve));
    expect((await hostDefaults({ SSH_AUTH_SOCK: socket })).sshAgent).toEqual({ usable: true, detail: `ssh-agent at ${socket}` });
    // Through the API, from the core's own environment.
    expect((await core.invoke('hosts.defaults', {})).sshConfigPath).toBe(sshConfigPath);
  });
});
