// Review findings on the connection layer, reproduced on a real lab host: an exec racing a closing
// socket must not leak a channel slot, stop/start during a handshake must not leave a second SSH
// session open, and a broken line from the agent must reach the fleet state instead of vanishing.
import { appendFile, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Socket } from 'node:net';
import type { Client, ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Fingerprint } from '../../electron/core/ssh/hostKeyFingerprint';
import { createSemaphore } from '../../electron/core/ssh/semaphore';
import { DEFAULT_CONNECTION_SETTINGS, OPENSSH_DEFAULT_MAX_SESSIONS, SshConnection } from '../../electron/core/ssh/sshConnection';
import { HostError } from '../../electron/core/ssh/sshErrors';
import type { Host } from '../../shared/api/hosts';
import { labDown, labUp, type Lab } from '../lab/lab';
import { labFingerprint, onboardLabHosts, pinAgentBundle, removeDataDir, startCore, unpinAgentBundle, waitFor, type CoreHandle } from './support/coreOnLab';

const LAB = { name: 'corerobust', subnet: '10.213.117.0/24', hosts: 1 };
const HOST = 'lab-1';

describe('connection robustness on a lab host', () => {
  let lab: Lab;
  let privateKey: Buffer;
  let fingerprint: string;
  const connections: SshConnection[] = [];
  let handle: CoreHandle | undefined;
  let brokenBundleDir: string | undefined;

  /** A connection to the lab host; duringHandshake runs while its host key is being checked. */
  const labConnection = (duringHandshake?: (connection: SshConnection) => void): SshConnection => {
    const address = lab.host(HOST);
    const host: Host = {
      name: HOST,
      address: address.address,
      port: address.port,
      user: 'root',
      auth: { kind: 'keyFile', keyPath: lab.keyPath, hasPassphrase: false },
      tags: [],
      sudo: false,
      trust: { state: 'new' },
    };
    const connection = new SshConnection({
      host: () => host,
      credentials: () => Promise.resolve({ privateKey }),
      verifyHostKey: (_host, keyBlob) => {
        const hook = duringHandshake;
        duringHandshake = undefined;
        hook?.(connection);
        return Promise.resolve(sha256Fingerprint(keyBlob) === fingerprint
          ? { accepted: true }
          : { accepted: false, state: 'blocked', message: `Host ${HOST} offered an unexpected key` });
      },
      connectSlots: createSemaphore(4),
      settings: { ...DEFAULT_CONNECTION_SETTINGS, readyTimeoutMs: 5_000, backoff: { initialMs: 100, maxMs: 500, jitter: 0 } },
    });
    connections.push(connection);
    return connection;
  };

  // Established TCP connections to the host's sshd: what the host really has open, whatever sshd's process layout.
  const rootSessions = async (): Promise<number> => {
    const result = await lab.exec(HOST, ['ss', '-Htn', 'state', 'established', '( sport = :22 )']);
    return result.stdout.split('\n').filter((line) => line.trim() !== '').length;
  };

  const runToEnd = (channel: ClientChannel): Promise<number | undefined> => new Promise((resolve) => {
    channel.resume();
    channel.stderr.resume();
    channel.once('exit', (code: number | null) => resolve(code ?? undefined));
  });

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    privateKey = await readFile(lab.keyPath);
    fingerprint = await labFingerprint(lab, HOST);
  });

  afterAll(async () => {
    for (const connection of connections) connection.stop();
    await handle?.close();
    await removeDataDir(handle);
    await unpinAgentBundle();
    if (brokenBundleDir) await rm(brokenBundleDir, { recursive: true, force: true });
    await labDown({ name: LAB.name });
  });

  it('answers an exec on a socket that just closed with a HostError and frees its channel slot', async () => {
    const connection = labConnection();
    connection.start();
    // More rounds than slots: each leaked slot would be gone for good.
    for (let round = 0; round < OPENSSH_DEFAULT_MAX_SESSIONS + 1; round += 1) {
      await waitFor('connected', () => connection.status.state === 'connected', 20_000);
      // Reaching into ssh2's socket is the only way to hit the window between socket end and 'close'.
      const client = (connection as unknown as { client: Client & { _sock: Socket } }).client;
      client._sock.destroy();
      const refused = await connection.exec(['true']).then(() => undefined, (error: unknown) => error);
      expect(refused).toBeInstanceOf(HostError);
      expect((refused as HostError).kind).toBe('unreachable');
      expect((refused as HostError).message).toMatch(/^Host lab-1: could not open a command channel: the SSH connection is closing/);
      await waitFor('the loss noticed', () => connection.status.state !== 'connected', 20_000);
    }
    await waitFor('reconnected', () => connection.status.state === 'connected', 20_000);

    const sequential: (number | undefined)[] = [];
    for (let attempt = 0; attempt < OPENSSH_DEFAULT_MAX_SESSIONS + 1; attempt += 1) {
      sequential.push(await runToEnd(await connection.exec(['true'])));
    }
    expect(sequential).toEqual(new Array(OPENSSH_DEFAULT_MAX_SESSIONS + 1).fill(0));
    // Every slot at once: a single leaked slot would leave the last exec waiting.
    const together = await Promise.all(Array.from({ length: OPENSSH_DEFAULT_MAX_SESSIONS }, async () => runToEnd(await connection.exec(['sleep', '0.2']))));
    expect(together).toEqual(new Array(OPENSSH_DEFAULT_MAX_SESSIONS).fill(0));
    connection.stop();
  });

  it('keeps exactly one SSH session when stopped and started again during the handshake', async () => {
    const baseline = await waitForSessions(0);
    const restarted = labConnection((connection) => {
      connection.stop();
      connection.start();
    });
    restarted.start();
    await waitFor('connected again', () => restarted.status.state === 'connected', 20_000);
    // Let the abandoned handshake finish if it were going to.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await rootSessions()).toBe(baseline + 1);

    const stopped = labConnection((connection) => connection.stop());
    stopped.start();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(stopped.status.state).toBe('disconnected');
    expect(await rootSessions()).toBe(baseline + 1);

    restarted.stop();
    expect(await waitForSessions(baseline)).toBe(baseline);
  });

  it('shows a line the agent breaks the protocol with on the host in the fleet state', async () => {
    // The real agent, plus a line of garbage on its stdout every 300 ms once it runs.
    brokenBundleDir = await mkdtemp(path.join(tmpdir(), 'vfleet-broken-agent-'));
    const brokenBundle = path.join(brokenBundleDir, 'vfleet-agent.js');
    await copyFile(await pinAgentBundle(), brokenBundle);
    await appendFile(brokenBundle, ';setInterval(() => process.stdout.write("this is not json\\n"), 300).unref();\n');
    handle = await startCore({ agentBundlePath: brokenBundle });
    await onboardLabHosts(handle.core, lab, [HOST]);
    const agentError = await waitFor('the protocol error in the fleet state', () => handle!.core.state.host(HOST)?.agentError, 20_000);
    expect(agentError).toBe('Host lab-1: the agent sent a line that is not JSON: this is not json');
    expect(handle.core.state.host(HOST)?.connection).toBe('connected');
  });

  async function waitForSessions(expected: number): Promise<number> {
    const deadline = Date.now() + 10_000;
    let count = await rootSessions();
    while (count !== expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      count = await rootSessions();
    }
    return count;
  }
});
