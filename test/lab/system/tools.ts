import { findExecutable } from '../../../host-agent/src/process/runTool';

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

/** Resolves every lab tool, or throws one message naming each missing tool and its Debian package. */
export function resolveLabTools(): Record<LabTool, string> {
  const resolved: Partial<Record<LabTool, string>> = {};
  const missing: LabTool[] = [];
  for (const tool of Object.keys(labTools) as LabTool[]) {
    const path = findExecutable(tool);
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
