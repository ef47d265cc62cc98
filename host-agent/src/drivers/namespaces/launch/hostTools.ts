// The host tools the namespaces driver runs, resolved once to absolute paths with the Debian
// package to install when one is missing.
import { findExecutable } from '../../../process/runTool';

export interface HostTools {
  sh: string;
  unshare: string;
  nsenter: string;
  setpriv: string;
  ip: string;
  script: string;
  stty: string;
  pivot_root: string;
  umount: string;
}

const PACKAGES: Record<keyof HostTools, string> = {
  sh: 'dash', unshare: 'util-linux', nsenter: 'util-linux', setpriv: 'util-linux', ip: 'iproute2',
  script: 'bsdutils', stty: 'coreutils', pivot_root: 'util-linux', umount: 'mount',
};


export function resolveHostTools(): HostTools {
  const resolved: Partial<HostTools> = {};
  const missing: string[] = [];
  for (const [tool, packageName] of Object.entries(PACKAGES) as [keyof HostTools, string][]) {
    const path = findExecutable(tool);
    if (path) resolved[tool] = path;
    else missing.push(`${tool} (package ${packageName})`);
  }
  if (missing.length > 0) throw new Error(`the namespaces driver needs these host tools: ${missing.join(', ')}`);
  return resolved as HostTools;
}
