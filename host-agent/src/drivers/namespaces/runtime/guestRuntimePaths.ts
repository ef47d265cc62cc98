// Where a running guest's volatile state lives: its pid file, its network namespace name, its
// console log and the launcher's sync folders.
import { join } from 'node:path';
import type { DriverContext } from '../../../driver';

export interface GuestRuntimePaths {
  /** Pids and start times of the guest's init and of its keeper, as the agent's PID namespace sees them. */
  pidFile: string;
  /** `ip netns` name and its bind mount. */
  netnsName: string;
  netnsFile: string;
  /** The guest's console as the keeper writes it (init's stdout and stderr, /dev/console inside), and the previous part in consoleLog + ".1". */
  consoleLog: string;
  /** The fifo the guest writes its console into; only the keeper reads it. */
  consoleFifo: string;
  /** Per-start or per-exec folders for the launcher's fifos; never visible inside the guest. */
  syncBase: string;
}

export function guestRuntimePaths(context: DriverContext, guest: string): GuestRuntimePaths {
  const netnsName = `vfleet-${guest}`;
  return {
    pidFile: join(context.runDir, 'guests', guest, 'init.pid'),
    netnsName,
    netnsFile: join('/run/netns', netnsName),
    consoleLog: join(context.configBase, guest, 'vfleet', 'console.log'),
    consoleFifo: join(context.runDir, 'guests', guest, 'console'),
    syncBase: join(context.runDir, 'sync'),
  };
}
