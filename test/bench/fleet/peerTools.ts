// The tools admins use today, run against the same lab hosts in the same bench run: parallel-ssh
// (Debian's pssh) and Ansible ad-hoc, both through the lab's ssh_config, client key and
// known_hosts (strict host-key checking). Installed from Debian's packages when missing.
import { access, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Lab } from '../../lab/lab';
import { runCommand, runOrThrow } from '../../lab/system/command';
import type { CleanupStack } from '../benchCleanup';

/** The Debian package that brings each peer command. */
const PEER_PACKAGES = { 'parallel-ssh': 'pssh', ansible: 'ansible' } as const;
type PeerCommand = keyof typeof PEER_PACKAGES;

async function installed(command: PeerCommand): Promise<boolean> {
  return (await runCommand(['sh', '-c', 'command -v "$1"', 'sh', command])).code === 0;
}

/** apt-get install of the peers' packages that are missing; throws naming the package when that fails. */
export async function ensurePeerTools(): Promise<void> {
  const missing: string[] = [];
  for (const command of Object.keys(PEER_PACKAGES) as PeerCommand[]) if (!(await installed(command))) missing.push(PEER_PACKAGES[command]);
  if (missing.length === 0) return;
  console.log(`  installing the peers' Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await runOrThrow(['apt-get', 'update'], 'apt-get update', { env, timeoutMs: 600_000 });
  await runOrThrow(['apt-get', 'install', '-y', '--no-install-recommends', ...missing], `apt-get install ${missing.join(' ')}`, { env, timeoutMs: 900_000 });
}

/** Files the peers read: a pssh host list and an Ansible inventory of some lab hosts. */
export interface PeerFiles {
  hostsFile(names: readonly string[]): Promise<string>;
  inventory(names: readonly string[]): Promise<string>;
  folder: string;
}

export async function peerFiles(lab: Lab, cleanup: CleanupStack): Promise<PeerFiles> {
  const folder = await mkdtemp(path.join(tmpdir(), 'vfleet-bench-peers-'));
  cleanup.add(`peer files ${folder}`, () => rm(folder, { recursive: true, force: true }));
  // Ansible's SSH masters persist after a run: each is told to exit before its socket goes.
  cleanup.add('ansible SSH masters', async () => {
    const sockets = await readdir(path.join(folder, 'ansible-cp')).catch(() => []);
    for (const socket of sockets) await runCommand(['ssh', '-o', `ControlPath=${path.join(folder, 'ansible-cp', socket)}`, '-O', 'exit', 'lab'], { timeoutMs: 10_000 }).catch(() => undefined);
  });
  return {
    folder,
    async hostsFile(names) {
      const file = path.join(folder, `hosts-${names.length}`);
      await writeFile(file, `${names.join('\n')}\n`);
      return file;
    },
    async inventory(names) {
      const file = path.join(folder, `inventory-${names.length}.ini`);
      const ssh = `-F ${lab.sshConfigPath}`;
      await writeFile(file, [
        '[lab]',
        ...names.map((name) => `${name} ansible_host=${lab.host(name).address}`),
        '',
        '[lab:vars]',
        'ansible_user=root',
        `ansible_ssh_private_key_file=${lab.keyPath}`,
        `ansible_ssh_common_args='${ssh} -o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes'`,
        'ansible_python_interpreter=/usr/bin/python3',
        '',
      ].join('\n'));
      return file;
    },
  };
}

async function run(argv: string[], doing: string, env?: NodeJS.ProcessEnv): Promise<void> {
  await runOrThrow(argv, doing, { timeoutMs: 600_000, ...(env ? { env } : {}) });
}

/** `parallel-ssh -p N` of one shell command on the listed hosts; throws when any host fails. */
export async function parallelSsh(lab: Lab, hostsFile: string, parallelism: number, command: string): Promise<void> {
  return run(['parallel-ssh', '-p', String(parallelism), '-t', '300', '-h', hostsFile, '-x', `-F ${lab.sshConfigPath}`, command], `parallel-ssh -p ${parallelism}`);
}

/**
 * `ansible all -m shell -a COMMAND -f FORKS` on the inventory; throws when any host fails. Local
 * state (facts cache, control sockets) in the bench's folder; pipelining on and SSH's
 * ControlPersist as Ansible sets it, so warm runs reuse their connections as an admin's would.
 */
export async function ansibleShell(files: PeerFiles, inventory: string, forks: number, command: string): Promise<void> {
  await access(inventory);
  const env = {
    ...process.env,
    ANSIBLE_LOCAL_TEMP: path.join(files.folder, 'ansible-local'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(files.folder, 'ansible-cp'),
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_STDOUT_CALLBACK: 'minimal',
  };
  return run(['ansible', 'all', '-i', inventory, '-m', 'shell', '-a', command, '-f', String(forks)], `ansible -f ${forks}`, env);
}
