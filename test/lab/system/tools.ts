import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The programs the lab runs, with the Debian package that brings each. */
export const labTools = {
  ip: 'iproute2',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  setpriv: 'util-linux',
  sshd: 'openssh-server',
  'ssh-keygen': 'openssh-client',
  ssh: 'openssh-client',
  tini: 'tini',
  busybox: 'busybox-static',
  rsync: 'rsync',
} as const;

export type LabTool = keyof typeof labTools;

const systemDirectories = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of a tool on PATH or in the system directories, or undefined when it is not installed. */
export function findTool(tool: string): string | undefined {
  const directories = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...systemDirectories];
  for (const directory of directories) {
    const candidate = join(directory, tool);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Resolves every lab tool, or throws one message naming each missing tool and its Debian package. */
export function resolveLabTools(): Record<LabTool, string> {
  const resolved: Partial<Record<LabTool, string>> = {};
  const missing: LabTool[] = [];
  for (const tool of Object.keys(labTools) as LabTool[]) {
    const path = findTool(tool);
    if (path) resolved[tool] = path;
    else missing.push(tool);
  }
  if (missing.length > 0) {
    const described = missing.map((tool) => `${tool} (Debian package ${labTools[tool]})`);
    const packages = [...new Set(missing.map((tool) => labTools[tool]))];
    throw new Error(`the lab needs tools that are not installed: ${described.join(', ')}; install them with: apt-get install ${packages.join(' ')}`);
  }
  return resolved as Record<LabTool, string>;
}
