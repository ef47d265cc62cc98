// Agent deployment over a real SSH connection to a lab host: by content hash, uploaded only when
// missing, never a half-written file even with two workstations at once, old versions pruned.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAgentBundlePath, loadAgentBundle, type AgentBundle } from '../../electron/core/agent/agentBundle';
import { deployAgent, QUICK_START_MISS, quickStartCommand, type DeployOptions } from '../../electron/core/agent/agentDeploy';
import { agentSigningKeyFrom } from '../../electron/core/agent/agentSigningKey';
import { sha256Fingerprint } from '../../electron/core/ssh/hostKeyFingerprint';
import { runRemote } from '../../electron/core/ssh/remoteExec';
import { createSemaphore } from '../../electron/core/ssh/semaphore';
import { DEFAULT_CONNECTION_SETTINGS, SshConnection } from '../../electron/core/ssh/sshConnection';
import type { Host } from '../../shared/api/hosts';
import { PROTOCOL_VERSION } from '../../shared/protocol/envelope';
import { labDown, labUp, type Lab } from '../lab/lab';
import { labFingerprint } from './support/coreOnLab';

const LAB = { name: 'coretest-4', subnet: '10.213.114.0/24', hosts: 1 };
const AGENT_BASE = '/var/lib/vfleet/agent';
const AS_ROOT: DeployOptions = { signingKey: agentSigningKeyFrom(generateKeyPairSync('ed25519').privateKey), login: { user: 'root', sudo: false } };

function variant(bundle: AgentBundle, label: string): AgentBundle {
  const bytes = Buffer.concat([bundle.bytes, Buffer.from(`\n// ${label}\n`)]);
  return { path: bundle.path, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

describe('agent deployment', () => {
  let lab: Lab;
  let bundle: AgentBundle;
  const connections: SshConnection[] = [];
  let previousVersion = '';

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    bundle = await loadAgentBundle(defaultAgentBundlePath());
  });

  afterAll(async () => {
    for (const connection of connections) connection.stop();
    await labDown({ name: LAB.name });
  });

  async function connect(): Promise<SshConnection> {
    const expected = await labFingerprint(lab, 'lab-1');
    const host: Host = {
      name: 'lab-1', address: lab.host('lab-1').address, port: 22, user: 'root', auth: { kind: 'keyFile', keyPath: lab.keyPath, hasPassphrase: false },
      tags: [], sudo: false, trust: { state: 'trusted' },
    };
    const privateKey = await readFile(lab.keyPath);
    const connection = new SshConnection({
      host: () => host,
      credentials: async () => ({ privateKey }),
      verifyHostKey: async (_host, keyBlob) => (sha256Fingerprint(keyBlob) === expected
        ? { accepted: true }
        : { accepted: false, state: 'blocked', message: 'unexpected key' }),
      connectSlots: createSemaphore(4),
      settings: DEFAULT_CONNECTION_SETTINGS,
    });
    connections.push(connection);
    connection.start();
    await connection.whenConnected(20_000);
    return connection;
  }

  const onHost = async (argv: string[]): Promise<string> => (await lab.exec('lab-1', argv)).stdout;

  it('uploads the bundle into a directory named by its hash, then finds it there the next time', async () => {
    const connection = await connect();
    const first = await deployAgent(connection, bundle, AS_ROOT);
    expect(first).toMatchObject({ uploaded: true, file: `${AGENT_BASE}/${bundle.sha256}/vfleet-agent.js`, nodeVersion: process.versions.node });
    expect((await onHost(['sha256sum', first.file])).split(' ')[0]).toBe(bundle.sha256);
    expect(await onHost(['ls', '-A', `${AGENT_BASE}/${bundle.sha256}`])).toBe('vfleet-agent.js\n');
    const again = await deployAgent(connection, bundle, AS_ROOT);
    expect(again.uploaded).toBe(false);
  });

  it('replaces a damaged copy instead of running it', async () => {
    const connection = await connect();
    await lab.exec('lab-1', ['sh', '-c', `echo damaged >> ${AGENT_BASE}/${bundle.sha256}/vfleet-agent.js`]);
    const repaired = await deployAgent(connection, bundle, AS_ROOT);
    expect(repaired.uploaded).toBe(true);
    expect((await onHost(['sha256sum', repaired.file])).split(' ')[0]).toBe(bundle.sha256);
  });

  it('lets two workstations deploy a new version at once without a torn or leftover file', async () => {
    const newerBundle = variant(bundle, 'another build');
    const [left, right] = await Promise.all([connect(), connect()]);
    const results = await Promise.all([deployAgent(left!, newerBundle, AS_ROOT), deployAgent(right!, newerBundle, AS_ROOT)]);
    for (const result of results) expect(result.file).toBe(`${AGENT_BASE}/${newerBundle.sha256}/vfleet-agent.js`);
    expect((await onHost(['sha256sum', results[0]!.file])).split(' ')[0]).toBe(newerBundle.sha256);
    expect(await onHost(['ls', '-A', `${AGENT_BASE}/${newerBundle.sha256}`])).toBe('vfleet-agent.js\n');
    previousVersion = newerBundle.sha256;
  });

  it('keeps the current and the previous version and prunes ones unused for over a day', async () => {
    const connection = await connect();
    const old = ['1', '2', bundle.sha256].map((hash) => (hash.length === 64 ? hash : hash.repeat(64)));
    for (const [index, hash] of old.entries()) {
      await lab.exec('lab-1', ['mkdir', '-p', `${AGENT_BASE}/${hash}`]);
      await lab.exec('lab-1', ['touch', '-d', `2020-01-0${index + 1}`, `${AGENT_BASE}/${hash}`]);
    }
    const thirdBundle = variant(bundle, 'third build');
    const before = (await onHost(['ls', AGENT_BASE])).split('\n').filter(Boolean);
    const deployed = await deployAgent(connection, thirdBundle, AS_ROOT);
    const after = (await onHost(['ls', AGENT_BASE])).split('\n').filter(Boolean);
    expect(before.length).toBeGreaterThan(2);
    expect(after.sort()).toEqual([thirdBundle.sha256, previousVersion].sort());
    expect(deployed.pruned).toEqual(expect.arrayContaining(old));
  });

  it('never prunes a version installed moments ago by another workstation, nor an old one whose agent still runs', async () => {
    const connection = await connect();
    const [first, second, third] = ['first', 'second', 'third'].map((label) => variant(bundle, `concurrent ${label}`));
    await deployAgent(connection, first!, AS_ROOT);
    await deployAgent(connection, second!, AS_ROOT);
    const running = '3'.repeat(64);
    await lab.exec('lab-1', ['sh', '-c', `mkdir -p ${AGENT_BASE}/${running} && touch -d 2020-01-01 ${AGENT_BASE}/${running}`]);
    const agent = lab.spawn('lab-1', ['sh', '-c', 'sleep 60', `${AGENT_BASE}/${running}/vfleet-agent.js`]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const deployed = await deployAgent(connection, third!, AS_ROOT);
      expect(deployed.pruned).not.toContain(first!.sha256);
      expect(deployed.pruned).not.toContain(running);
      const left = (await onHost(['ls', AGENT_BASE])).split('\n');
      expect(left).toEqual(expect.arrayContaining([first!.sha256, second!.sha256, third!.sha256, running]));
      expect((await onHost(['sha256sum', `${AGENT_BASE}/${first!.sha256}/vfleet-agent.js`])).split(' ')[0]).toBe(first!.sha256);
    } finally {
      agent.kill('SIGKILL');
    }
  });

  it('keeps an old version a connect just found present while another workstation installs, and prunes an unused one (issue 13)', async () => {
    const connection = await connect();
    const inUse = variant(bundle, 'in use');
    await deployAgent(connection, inUse, AS_ROOT);
    // Installed long ago and not running now, as is a version nobody uses any more (younger, so the
    // rule "keep the newest other version" would keep it rather than the one in use).
    const unused = '4'.repeat(64);
    await lab.exec('lab-1', ['sh', '-c', `mkdir -p ${AGENT_BASE}/${unused} && touch -d 2020-01-02 ${AGENT_BASE}/${unused} && touch -d 2020-01-01 ${AGENT_BASE}/${inUse.sha256}`]);
    const checked = await deployAgent(connection, inUse, AS_ROOT);
    expect(checked.uploaded).toBe(false);
    // Between that check and the agent's start, another workstation installs its version.
    const deployed = await deployAgent(connection, variant(bundle, 'another workstation'), AS_ROOT);
    expect(deployed.pruned).toContain(unused);
    expect(deployed.pruned).not.toContain(inUse.sha256);
    expect((await onHost(['sha256sum', checked.file])).split(' ')[0]).toBe(inUse.sha256);
  });

  it('refuses a bundle signed by another workstation\'s key and leaves nothing behind', async () => {
    const connection = await connect();
    const foreign = variant(bundle, 'foreign');
    const other = agentSigningKeyFrom(generateKeyPairSync('ed25519').privateKey);
    const forged = { ...AS_ROOT, signingKey: { publicKeyDer: AS_ROOT.signingKey.publicKeyDer, signHash: other.signHash } };
    await expect(deployAgent(connection, foreign, forged)).rejects.toThrow(/not signed with the key of this workstation/);
    expect((await lab.exec('lab-1', ['test', '-e', `${AGENT_BASE}/${foreign.sha256}`])).code).not.toBe(0);
  });

  describe('the quick start of a warm connect (one channel, no second Node)', () => {
    const hello = `${JSON.stringify({ id: 1, method: 'hello', params: { client: 'vfleet', protocolVersion: PROTOCOL_VERSION } })}\n`;
    const quickStart = async (connection: SshConnection): Promise<{ code: number | null; stdout: string; stderr: string }> => {
      const result = await runRemote(connection, quickStartCommand(AS_ROOT.login, bundle), { stdin: Buffer.from(hello), timeoutMs: 30_000 });
      return { code: result.code, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
    };
    const file = (): string => `${AGENT_BASE}/${bundle.sha256}/vfleet-agent.js`;

    it('starts the agent present and intact, which names its file, and keeps its folder from being pruned', async () => {
      const connection = await connect();
      await deployAgent(connection, bundle, AS_ROOT);
      await lab.exec('lab-1', ['touch', '-d', '2020-01-01', `${AGENT_BASE}/${bundle.sha256}`]);
      const started = await quickStart(connection);
      expect(started.code).toBe(0);
      const answer = JSON.parse(started.stdout.split('\n')[0]!) as { result: { protocolVersion: number; agentFile: string } };
      expect(answer.result).toMatchObject({ protocolVersion: PROTOCOL_VERSION, agentFile: file() });
      const year = Number((await onHost(['stat', '-c', '%y', `${AGENT_BASE}/${bundle.sha256}`])).slice(0, 4));
      expect(year).toBeGreaterThan(2020);
    });

    it('runs nothing when the copy is damaged, writable by others, or missing, and says so by its exit status', async () => {
      const connection = await connect();
      await deployAgent(connection, bundle, AS_ROOT);
      const damage: Array<[string, string[], string[]]> = [
        ['damaged', ['sh', '-c', `echo 'process.exit(42)' >> ${file()}`], []],
        ['group-writable file', ['chmod', 'g+w', file()], ['chmod', 'g-w', file()]],
        ['world-writable folder', ['chmod', 'o+w', `${AGENT_BASE}/${bundle.sha256}`], ['chmod', 'o-w', `${AGENT_BASE}/${bundle.sha256}`]],
        ['not root-owned', ['chown', 'nobody', file()], ['chown', 'root', file()]],
        ['missing', ['rm', '-rf', `${AGENT_BASE}/${bundle.sha256}`], []],
      ];
      for (const [what, harm, undo] of damage) {
        if (what !== 'damaged') await deployAgent(connection, bundle, AS_ROOT);
        await lab.exec('lab-1', harm);
        const refused = await quickStart(connection);
        expect({ what, code: refused.code, stdout: refused.stdout }).toEqual({ what, code: QUICK_START_MISS, stdout: '' });
        if (undo.length > 0) await lab.exec('lab-1', undo);
      }
      // The checked way repairs what the quick start would not run.
      expect((await deployAgent(connection, bundle, AS_ROOT)).uploaded).toBe(true);
      expect((await quickStart(connection)).code).toBe(0);
    });
  });

  it('runs commands with arguments exactly as given, whatever their characters', async () => {
    const connection = await connect();
    const words = ["it's", '$(id)', 'two words', '*', ''];
    const result = await runRemote(connection, ['printf', '[%s]', ...words]);
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe(words.map((word) => `[${word}]`).join(''));
  });
});
