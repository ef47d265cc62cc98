import { readFileSync } from 'node:fs';
import { Client, type ConnectConfig } from 'ssh2';
import type { CommandResult } from './system/command';
import type { Lab } from './lab';

/** The host key blob known_hosts lists for a name or address, as ssh2's hostVerifier receives it. */
export function knownHostKey(knownHostsPath: string, hostNameOrAddress: string): Buffer | undefined {
  for (const line of readFileSync(knownHostsPath, 'utf8').split('\n')) {
    const [names = '', , key] = line.trim().split(/\s+/);
    if (key && names.split(',').includes(hostNameOrAddress)) return Buffer.from(key, 'base64');
  }
  return undefined;
}

/** ssh2 settings for root on a lab host: the lab key, and a host key check against the lab's known_hosts. */
export function labConnectConfig(lab: Lab, hostName: string, overrides: Partial<ConnectConfig> = {}): ConnectConfig {
  const host = lab.host(hostName);
  const expected = knownHostKey(lab.knownHostsPath, host.address);
  return {
    host: host.address,
    port: host.port,
    username: 'root',
    privateKey: readFileSync(lab.keyPath),
    readyTimeout: 5000,
    hostVerifier: (key: Buffer) => expected !== undefined && key.equals(expected),
    ...overrides,
  };
}

/** Connects, runs one command, disconnects; rejects with ssh2's error when the connection fails. */
export function sshRun(config: ConnectConfig, command: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.on('error', reject);
    client.on('ready', () => {
      client.exec(command, (error, channel) => {
        if (error) {
          client.end();
          reject(error);
          return;
        }
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        channel.on('data', (chunk: Buffer) => stdout.push(chunk));
        channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        channel.on('close', (code: number | null) => {
          client.end();
          resolve({ code: code ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
        });
      });
    });
    client.connect(config);
  });
}
