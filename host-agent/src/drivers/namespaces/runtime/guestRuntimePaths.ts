// Where a running guest's volatile state lives: its init pid file, its persistent "staging"
// mount namespace (host root plus the guest's mounts, used by exec) and its network namespace.
import { join } from 'node:path';
import type { DriverContext } from '../../../driver';

export interface GuestRuntimePaths {
  /** "PID STARTTICKS" of the guest's init, as the agent's PID namespace sees it. */
  pidFile: string;
  /** Bind mount of the staging mount namespace; lives in a private mount (mountNamespaceDir). */
  mountNamespaceFile: string;
  mountNamespaceDir: string;
  /** `ip netns` name and its bind mount. */
  netnsName: string;
  netnsFile: string;
  /** The guest's console: init's stdout and stderr, and /dev/console inside. */
  consoleLog: string;
  /** Per-start or per-exec folders for the launcher's fifos; never visible inside the guest. */
  syncBase: string;
}

export function guestRuntimePaths(context: DriverContext, guest: string): GuestRuntimePaths {
  const netnsName = `vfleet-${guest}`;
  return {
    pidFile: join(context.runDir, 'guests', guest, 'init.pid'),
    mountNamespaceFile: join(context.runDir, 'mnt', guest),
    mountNamespaceDir: join(context.runDir, 'mnt'),
    netnsName,
    netnsFile: join('/run/netns', netnsName),
    consoleLog: join(context.configBase, guest, 'vfleet', 'console.log'),
    syncBase: join(context.runDir, 'sync'),
  };
}
