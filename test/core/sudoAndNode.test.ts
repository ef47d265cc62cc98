// A host reached as a non-root user runs the agent through `sudo -n`: with the suggested NOPASSWD
// rule the agent is installed and runs as root from root-owned /var/lib/vfleet/agent; when sudo
// wants a password the host fails with a message giving that rule for the host's own Node, and
// that rule works. A host
// without a suitable Node (none, or Node 16) is told what to install and gets nothing deployed.
// Users, sudoers and Node are changed only inside the lab hosts' own mount namespaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadAgentBundle } from '../../electron/core/agent/agentBundle';
import { AGENT_NODE_FLAGS } from '../../electron/core/agent/agentInstallScript';
import { loadAgentSigningKey } from '../../electron/core/agent/agentSigningKey';
import { agentSudoersRule } from '../../electron/core/agent/sudoersRule';
import { labDown, labUp, type Lab } from '../lab/lab';
import { closeCoreAndLab, type CoreHandle, pinAgentBundle, startCore } from './support/coreOnLab';
import { HIDE_NODE_SCRIPT } from './support/hideNode';
import { ADD_OPERATOR_SCRIPT, OPERATOR, SET_RULE_SCRIPT } from './support/sudoOperator';

const LAB = { name: 'coresudo', subnet: '10.213.116.0/24', hosts: 4 };
const PASSWORD_RULE = `${OPERATOR.name} ALL=(ALL:ALL) ALL`;

// Inside one host: Node installed as by `n` or nvm, /usr/local/bin/node a link into a versions
// folder, and /usr/bin without node. Overlays keep the machine's own folders untouched.
const LOCAL_NODE = '/run/vfleet-local-node/versions/20/bin/node';
const NODE_IN_LOCAL_BIN_SCRIPT = `
set -eu
layers=/run/vfleet-local-node
mkdir -p "$layers/no-node" "$layers/local-bin" "$(dirname "$1")"
mknod "$layers/no-node/node" c 0 0
touch "$1"
mount --bind /usr/bin/node "$1"
ln -s "$1" "$layers/local-bin/node"
mount -t overlay overlay -o "lowerdir=$layers/no-node:/usr/bin" /usr/bin
mount -t overlay overlay -o "lowerdir=$layers/local-bin:/usr/local/bin" /usr/local/bin
`;

// Inside one host: node answers as Node 16 would (its real engine, reporting version 16.20.0).
const NODE_16_SCRIPT = `
set -eu
umount --lazy /usr/bin
old=/run/vfleet-node16
mkdir -p "$old"
touch "$old/engine"
mount --bind /usr/bin/node "$old/engine"
echo "Object.defineProperty(process.versions,'node',{value:'16.20.0'});Object.defineProperty(process,'version',{value:'v16.20.0'});" > "$old/version16.js"
printf '#!/bin/sh\\nexec %s --require %s "$@"\\n' "$old/engine" "$old/version16.js" > "$old/node"
chmod 0755 "$old/node"
mount --bind "$old/node" /usr/bin/node
`;

describe('a non-root SSH user with sudo, and hosts without a suitable Node', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  // The rule vfleet's error message tells the admin to add on a host whose Node is /usr/bin/node.
  let nodeRule = '';

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    // The lab's known_hosts vouches for the host keys; approval is covered by the onboarding test.
    handle = await startCore({ knownHostsFiles: [lab.knownHostsPath] });
    const signingKey = await loadAgentSigningKey(path.join(handle.dataDir, 'agent-signing-key.pem'));
    nodeRule = agentSudoersRule(OPERATOR.name, '/usr/bin/node', signingKey);
    await inHost('lab-1', ADD_OPERATOR_SCRIPT, [OPERATOR.name, String(OPERATOR.uid), OPERATOR.home, nodeRule]);
    await inHost('lab-2', ADD_OPERATOR_SCRIPT, [OPERATOR.name, String(OPERATOR.uid), OPERATOR.home, PASSWORD_RULE]);
    await inHost('lab-3', HIDE_NODE_SCRIPT, []);
    await inHost('lab-4', ADD_OPERATOR_SCRIPT, [OPERATOR.name, String(OPERATOR.uid), OPERATOR.home, PASSWORD_RULE]);
    await inHost('lab-4', NODE_IN_LOCAL_BIN_SCRIPT, [LOCAL_NODE]);
    const core = handle.core;
    for (const name of ['lab-1', 'lab-2', 'lab-4']) {
      await core.invoke('hosts.add', { name, address: lab.host(name).address, user: OPERATOR.name, sudo: true, auth: { kind: 'keyFile', keyPath: lab.keyPath } });
    }
    await core.invoke('hosts.add', { name: 'lab-3', address: lab.host('lab-3').address, auth: { kind: 'keyFile', keyPath: lab.keyPath } });
  }, 120_000);

  afterAll(() => closeCoreAndLab(handle, LAB.name));

  async function inHost(host: string, script: string, args: string[]): Promise<void> {
    const result = await lab.exec(host, ['sh', '-c', script, 'sh', ...args]);
    if (result.code !== 0) throw new Error(`preparing ${host} failed (exit ${result.code}): ${result.stderr}`);
  }

  /** Real uid and command line of every Node running the agent in the host (not sudo or the login shell). */
  async function agentProcesses(host: string): Promise<{ uid: number; args: string }[]> {
    const listing = await lab.exec(host, ['ps', '-eo', 'ruid=,args=']);
    return listing.stdout.split('\n')
      .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null && /^\S*\/node (?:--\S+ )*\S*\/vfleet-agent\.js serve/.test(match[2]!))
      .map((match) => ({ uid: Number(match[1]), args: match[2]! }));
  }

  it('connects through sudo -n with the suggested NOPASSWD rule: installed root-owned, the agent runs as root', async () => {
    const core = handle!.core;
    const bundle = await loadAgentBundle(await pinAgentBundle());
    const [status] = await core.invoke('hosts.connect', { names: ['lab-1'], timeoutMs: 60_000 });
    expect(status?.connection, status?.error).toBe('connected');
    const file = `/var/lib/vfleet/agent/${bundle.sha256}/vfleet-agent.js`;
    expect(status?.agent?.file).toBe(file);
    expect(status?.agent?.uploaded).toBe(true);
    expect(status?.info?.hostname).toBe('lab-1');

    const owner = await lab.exec('lab-1', ['stat', '-c', '%U %a', file]);
    expect(owner.stdout.trim()).toBe('root 644');
    expect((await lab.exec('lab-1', ['sha256sum', file])).stdout.split(' ')[0]).toBe(bundle.sha256);
    expect((await lab.exec('lab-1', ['stat', '-c', '%U %a', path.dirname(file)])).stdout.trim()).toBe('root 755');
    const folder = await lab.exec('lab-1', ['ls', '-A', path.dirname(file)]);
    expect(folder.stdout.trim().split('\n')).toEqual(['vfleet-agent.js']);

    expect(await agentProcesses('lab-1')).toEqual([{ uid: 0, args: `/usr/bin/node ${AGENT_NODE_FLAGS.join(' ')} ${file} serve --stdio` }]);
    const login = await lab.exec('lab-1', ['grep', '-c', `Accepted publickey for ${OPERATOR.name} `, '/run/vfleet-lab/sshd.log']);
    expect(Number(login.stdout.trim())).toBeGreaterThan(0);
  }, 90_000);

  it('builds and starts a guest on that host through the core (root work done by the sudo agent)', async () => {
    const core = handle!.core;
    const built = await core.invoke('guest.build', { host: 'lab-1', build: { name: 'sudoweb', method: 'busybox', xid: 316 } });
    expect(built).toMatchObject({ host: 'lab-1', name: 'sudoweb', state: 'stopped' });
    const started = await core.invoke('guest.start', { host: 'lab-1', guest: 'sudoweb' });
    expect(started.state).toBe('running');
    expect(started.initPid).toBeDefined();
    const init = await lab.exec('lab-1', ['ps', '-o', 'uid=', '-p', String(started.initPid)]);
    expect(init.stdout.trim()).toBe('0');
    const inGuest = await core.invoke('guest.exec', { host: 'lab-1', guest: 'sudoweb', argv: ['id', '-u'] });
    expect(inGuest).toMatchObject({ exitCode: 0, stdout: '0\n' });
    await core.invoke('guest.stop', { host: 'lab-1', guest: 'sudoweb' });
    await core.invoke('guest.delete', { host: 'lab-1', guest: 'sudoweb' });
    expect((await lab.exec('lab-1', ['test', '-e', '/vservers/sudoweb'])).code).not.toBe(0);
  }, 120_000);

  it('fails a host whose sudo wants a password, naming the host and the sudoers rule to add', async () => {
    const core = handle!.core;
    const [status] = await core.invoke('hosts.connect', { names: ['lab-2'], timeoutMs: 60_000 });
    expect(status?.connection).toBe('failed');
    expect(status?.error).toContain('lab-2');
    expect(status?.error).toMatch(/sudo asks vfleetop for a password/);
    expect(status?.error).toContain(nodeRule);
    expect(core.snapshot().hosts.find((host) => host.name === 'lab-2')).toMatchObject({ connection: 'failed', error: status?.error });
    expect(await agentProcesses('lab-2')).toEqual([]);
  }, 90_000);

  it('connects that host once the admin adds the suggested rule', async () => {
    const core = handle!.core;
    await inHost('lab-2', SET_RULE_SCRIPT, [OPERATOR.name, nodeRule]);
    const [status] = await core.invoke('hosts.connect', { names: ['lab-2'], timeoutMs: 60_000 });
    expect(status?.connection, status?.error).toBe('connected');
    expect(status?.error).toBeUndefined();
    expect(status?.info?.hostname).toBe('lab-2');
    expect((await agentProcesses('lab-2')).map((agent) => agent.uid)).toEqual([0]);
  }, 90_000);

  it('names the Node the host really has (a link in /usr/local/bin) in the sudoers rule it suggests, and that rule works', async () => {
    const core = handle!.core;
    expect((await lab.exec('lab-4', ['ls', '/usr/bin/node'])).code).not.toBe(0);
    expect((await lab.exec('lab-4', ['readlink', '/usr/local/bin/node'])).stdout.trim()).toBe(LOCAL_NODE);
    const [refused] = await core.invoke('hosts.connect', { names: ['lab-4'], timeoutMs: 60_000 });
    expect(refused?.connection).toBe('failed');
    const signingKey = await loadAgentSigningKey(path.join(handle!.dataDir, 'agent-signing-key.pem'));
    const localRule = agentSudoersRule(OPERATOR.name, LOCAL_NODE, signingKey);
    expect(refused?.error).toContain(localRule);
    await inHost('lab-4', SET_RULE_SCRIPT, [OPERATOR.name, localRule]);
    const [status] = await core.invoke('hosts.connect', { names: ['lab-4'], timeoutMs: 60_000 });
    expect(status?.connection, status?.error).toBe('connected');
    expect((await agentProcesses('lab-4')).map((agent) => agent.args.split(' ')[0])).toEqual([LOCAL_NODE]);
    expect((await agentProcesses('lab-4')).map((agent) => agent.uid)).toEqual([0]);
  }, 90_000);

  it('tells a host without Node what to install and leaves nothing on it', async () => {
    const core = handle!.core;
    expect((await lab.exec('lab-3', ['sh', '-c', 'command -v node'])).code).not.toBe(0);
    const [status] = await core.invoke('hosts.connect', { names: ['lab-3'], timeoutMs: 60_000 });
    expect(status?.connection).toBe('failed');
    expect(status?.error).toContain('lab-3');
    expect(status?.error).toContain('install Node.js 18 or newer');
    expect(status?.error).toContain('apt install nodejs');
    expect((await lab.exec('lab-3', ['test', '-e', '/var/lib/vfleet/agent'])).code).not.toBe(0);
  }, 90_000);

  it('tells a host with Node 16 to upgrade and leaves nothing on it', async () => {
    const core = handle!.core;
    await inHost('lab-3', NODE_16_SCRIPT, []);
    expect((await lab.exec('lab-3', ['node', '-p', 'process.versions.node'])).stdout.trim()).toBe('16.20.0');
    const [status] = await core.invoke('hosts.connect', { names: ['lab-3'], timeoutMs: 60_000 });
    expect(status?.connection).toBe('failed');
    expect(status?.error).toContain('lab-3');
    expect(status?.error).toContain('Node.js 16.20.0');
    expect(status?.error).toContain('needs Node.js 18 or newer');
    expect((await lab.exec('lab-3', ['test', '-e', '/var/lib/vfleet/agent'])).code).not.toBe(0);
  }, 90_000);

  it('deploys to that host cleanly once a suitable Node is installed', async () => {
    const core = handle!.core;
    const bundle = await loadAgentBundle(await pinAgentBundle());
    await inHost('lab-3', 'umount /usr/bin/node', []);
    const [status] = await core.invoke('hosts.connect', { names: ['lab-3'], timeoutMs: 60_000 });
    expect(status?.connection, status?.error).toBe('connected');
    expect(status?.agent).toMatchObject({ uploaded: true, file: `/var/lib/vfleet/agent/${bundle.sha256}/vfleet-agent.js` });
    const folder = await lab.exec('lab-3', ['ls', '-A', '/var/lib/vfleet/agent', `/var/lib/vfleet/agent/${bundle.sha256}`]);
    expect(folder.stdout).toBe(`/var/lib/vfleet/agent:\n${bundle.sha256}\n\n/var/lib/vfleet/agent/${bundle.sha256}:\nvfleet-agent.js\n`);
  }, 90_000);
});
