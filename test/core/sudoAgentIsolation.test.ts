// On a host reached as a non-root user with sudo, that user cannot get root to run code of its
// choosing: the agent root runs is installed from stdin into root-owned /var/lib/vfleet/agent, only
// when this workstation signed it, and the sudoers rule vfleet suggests allows exactly the
// installer, the start of such a copy and its relay ends (test/migration/relaySudo.test.ts checks
// those with `sudo -l`). The evil script writes a marker as whoever runs it.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentBundle } from '../../electron/core/agent/agentBundle';
import { AGENT_NODE_FLAGS, installScript } from '../../electron/core/agent/agentInstallScript';
import { loadAgentSigningKey, type AgentSigningKey } from '../../electron/core/agent/agentSigningKey';
import { agentSudoersRule } from '../../electron/core/agent/sudoersRule';
import { labDown, labUp, type Lab } from '../lab/lab';
import { closeCoreAndLab, type CoreHandle, pinAgentBundle, startCore } from './support/coreOnLab';
import { ADD_OPERATOR_SCRIPT, asOperator, OPERATOR } from './support/sudoOperator';

const LAB = { name: 'sealagent', subnet: '10.213.135.0/24', hosts: 1 };
const MARKER = '/run/vfleet-evil-marker';
const EVIL = `require('fs').appendFileSync('${MARKER}', 'uid ' + process.getuid() + '\\n')`;
const EVIL_FILE = `${OPERATOR.home}/evil.js`;

describe('a non-root sudo user cannot make root run its own script', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  let signingKey: AgentSigningKey;

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    handle = await startCore({ knownHostsFiles: [lab.knownHostsPath] });
    signingKey = await loadAgentSigningKey(path.join(handle.dataDir, 'agent-signing-key.pem'));
    const rule = agentSudoersRule(OPERATOR.name, '/usr/bin/node', signingKey);
    const prepared = await lab.exec('lab-1', ['sh', '-c', ADD_OPERATOR_SCRIPT, 'sh', OPERATOR.name, String(OPERATOR.uid), OPERATOR.home, rule]);
    expect(prepared.code, prepared.stderr).toBe(0);
    await operator(`printf '%s\\n' "$1" > ${EVIL_FILE}`, EVIL);
    await handle.core.invoke('hosts.add', { name: 'lab-1', address: lab.host('lab-1').address, user: OPERATOR.name, sudo: true, auth: { kind: 'keyFile', keyPath: lab.keyPath } });
  }, 120_000);

  afterAll(() => closeCoreAndLab(handle, LAB.name));

  async function operator(command: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const result = await lab.exec('lab-1', asOperator(command, ...args), { timeoutMs: 60_000 });
    return { code: result.code ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  async function marker(): Promise<string> {
    return (await lab.exec('lab-1', ['sh', '-c', `cat ${MARKER} 2>/dev/null || true`])).stdout;
  }

  it('the suggested rule lets the operator run no script of its own as root, in any spelling it tries', async () => {
    const bundle = await loadAgentBundle(await pinAgentBundle());
    const installed = `/var/lib/vfleet/agent/${bundle.sha256}/vfleet-agent.js`;
    const attempts = [
      ['/usr/bin/node', EVIL_FILE],
      ['/usr/bin/node', '-e', EVIL],
      ['/usr/bin/node', '--require', EVIL_FILE, installed, 'serve', '--stdio'],
      ['/usr/bin/node', `/var/lib/vfleet/agent/${'0'.repeat(64)}/../../../..${EVIL_FILE}`, 'serve', '--stdio'],
      ['/usr/bin/node', '-e', installScript(signingKey.publicKeyDer), '--require', EVIL_FILE],
      ['/usr/bin/node', '-e', `${installScript(signingKey.publicKeyDer)};${EVIL}`],
    ];
    for (const argv of attempts) {
      const tried = await operator('sudo -n -- "$@" </dev/null', ...argv);
      expect(tried.code, argv.join(' ')).not.toBe(0);
    }
    expect(await marker()).toBe('');
  }, 90_000);

  it('the installer the rule allows refuses the operator\'s script, whatever hash it claims', async () => {
    const hash = (await operator(`sha256sum ${EVIL_FILE}`)).stdout.split(' ')[0]!;
    const forged = await operator(
      `{ printf '%s\\n%s\\n' "$1" "$(printf x | base64)"; cat ${EVIL_FILE}; } | sudo -n -- /usr/bin/node -e "$2"`,
      hash, installScript(signingKey.publicKeyDer),
    );
    expect(forged.stderr).toContain('not signed with the key of this workstation');
    expect((await lab.exec('lab-1', ['test', '-e', `/var/lib/vfleet/agent/${hash}`])).code).not.toBe(0);
    const started = await operator(`sudo -n -- /usr/bin/node ${AGENT_NODE_FLAGS.join(' ')} /var/lib/vfleet/agent/${hash}/vfleet-agent.js serve --stdio </dev/null`);
    expect(started.code).not.toBe(0);
    expect(await marker()).toBe('');
  }, 60_000);

  it('connects while the operator keeps swapping every agent file it can reach for its script, and root runs only the real agent', async () => {
    const bundle = await loadAgentBundle(await pinAgentBundle());
    // Everywhere an agent was or could be: the old per-user folder and the root-owned one.
    const swapper = lab.spawn('lab-1', asOperator(`
      while :; do
        for dir in ${OPERATOR.home}/.cache/vfleet/agent/* /var/lib/vfleet/agent/*; do
          cp ${EVIL_FILE} "$dir/.swap" 2>/dev/null && mv -f "$dir/.swap" "$dir/vfleet-agent.js" 2>/dev/null
          cp ${EVIL_FILE} "$dir/vfleet-agent.js" 2>/dev/null
        done
        mkdir -p ${OPERATOR.home}/.cache/vfleet/agent/${bundle.sha256} 2>/dev/null
      done`));
    try {
      const [status] = await handle!.core.invoke('hosts.connect', { names: ['lab-1'], timeoutMs: 60_000 });
      expect(status?.connection, status?.error).toBe('connected');
      expect(status?.agent?.file).toBe(`/var/lib/vfleet/agent/${bundle.sha256}/vfleet-agent.js`);
      expect(status?.info?.hostname).toBe('lab-1');
      const listing = await lab.exec('lab-1', ['ps', '-eo', 'ruid=,args=']);
      expect(listing.stdout).toMatch(new RegExp(`^\\s*0\\s+/usr/bin/node ${AGENT_NODE_FLAGS.join(' ')} /var/lib/vfleet/agent/${bundle.sha256}/vfleet-agent.js serve --stdio$`, 'm'));
    } finally {
      swapper.kill('SIGTERM');
    }
    const file = `/var/lib/vfleet/agent/${bundle.sha256}/vfleet-agent.js`;
    expect((await lab.exec('lab-1', ['sha256sum', file])).stdout.split(' ')[0]).toBe(bundle.sha256);
    expect((await lab.exec('lab-1', ['stat', '-c', '%u %a', file, path.dirname(file), path.dirname(path.dirname(file))])).stdout).toBe('0 644\n0 755\n0 755\n');
    expect(await marker()).toBe('');
  }, 90_000);
});
