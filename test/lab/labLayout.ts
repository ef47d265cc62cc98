import { join } from 'node:path';
import { hostKeyFileName } from './ssh/labSshFiles';

/** Where the lab keeps its files inside its directory. */
export function labFiles(dir: string): { keyPath: string; sshConfigPath: string; knownHostsPath: string } {
  return { keyPath: join(dir, 'id_ed25519'), sshConfigPath: join(dir, 'ssh_config'), knownHostsPath: join(dir, 'known_hosts') };
}

/** A host's persistent directories: bind-mounted into the host, so they survive its reboot. */
export function hostFiles(dir: string, host: string) {
  const hostDir = join(dir, 'hosts', host);
  const sshdDir = join(hostDir, 'sshd');
  return {
    hostDir,
    sshdDir,
    hostKeyPath: join(sshdDir, hostKeyFileName),
    persistentDirs: ['vservers', 'etc-vservers', 'var-lib-vfleet', 'sshd'].map((entry) => join(hostDir, entry)),
  };
}

/** Mount points the hosts bind their private directories onto; they must exist on this machine. */
export const hostMountPoints = ['/vservers', '/etc/vservers', '/var/lib/vfleet'];
