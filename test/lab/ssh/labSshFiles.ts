import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { runOrThrow } from '../system/command';

/** Where a host's sshd finds its files inside the host (its sshd directory is bind-mounted there). */
export const sshdDirectoryInHost = '/run/vfleet-lab';
export const sshdPidFileInHost = '/run/sshd.pid';
export const hostKeyFileName = 'ssh_host_ed25519_key';

export async function generateEd25519Key(sshKeygen: string, path: string, comment: string): Promise<string> {
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await runOrThrow([sshKeygen, '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], `generating the SSH key ${path}`);
  await chmod(path, 0o600);
  return publicKey(path);
}

/** "ssh-ed25519 AAAA..." without the comment. */
export async function publicKey(privateKeyPath: string): Promise<string> {
  const [type = '', key = ''] = (await readFile(`${privateKeyPath}.pub`, 'utf8')).trim().split(/\s+/);
  return `${type} ${key}`;
}

export function sshdConfig(host: { name: string; address: string; port: number }): string {
  return [
    `# sshd of lab host ${host.name}, written by the vfleet lab`,
    `ListenAddress ${host.address}:${host.port}`,
    `HostKey ${sshdDirectoryInHost}/${hostKeyFileName}`,
    `PidFile ${sshdPidFileInHost}`,
    // Root's key is the lab's; any other user a test adds to a host logs in with its own ~/.ssh/authorized_keys.
    `AuthorizedKeysFile ${sshdDirectoryInHost}/authorized_keys .ssh/authorized_keys`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'UseDNS no',
    // Tests and benchmarks open many connections at once; the default 10:30:100 would drop some at random.
    'MaxStartups 200:30:400',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    '',
  ].join('\n');
}

export interface ClientFileHost {
  name: string;
  address: string;
  port: number;
  hostPublicKey: string;
}

export function sshClientConfig(hosts: ClientFileHost[], files: { keyPath: string; knownHostsPath: string }): string {
  return hosts.map((host) => [
    `Host ${host.name}`,
    `  HostName ${host.address}`,
    `  Port ${host.port}`,
    '  User root',
    `  IdentityFile ${files.keyPath}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${files.knownHostsPath}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    '  ConnectTimeout 5',
    '',
  ].join('\n')).join('\n');
}

export function knownHosts(hosts: ClientFileHost[]): string {
  return hosts.map((host) => `${knownHostsName(host)} ${host.hostPublicKey}\n`).join('');
}

function knownHostsName(host: { name: string; address: string; port: number }): string {
  return host.port === 22 ? `${host.name},${host.address}` : `[${host.name}]:${host.port},[${host.address}]:${host.port}`;
}

export async function writePrivateFile(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
}
