// The /dev a guest starts with, as util-vserver's build makes it (distrib/defaults/devs): the
// runtime mounts no devtmpfs, so these nodes are all the devices a guest sees.
import type { GuestRoot } from '../guestRoot/guestRoot';

const CHARACTER_DEVICES: Array<{ name: string; major: number; minor: number; mode: number }> = [
  { name: 'null', major: 1, minor: 3, mode: 0o666 },
  { name: 'zero', major: 1, minor: 5, mode: 0o666 },
  { name: 'full', major: 1, minor: 7, mode: 0o666 },
  { name: 'random', major: 1, minor: 8, mode: 0o666 },
  { name: 'urandom', major: 1, minor: 9, mode: 0o666 },
  { name: 'tty', major: 5, minor: 0, mode: 0o666 },
  { name: 'ptmx', major: 5, minor: 2, mode: 0o666 },
];

const PROC_LINKS: Array<[string, string]> = [
  ['fd', '/proc/self/fd'],
  ['stdin', '/proc/self/fd/0'],
  ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'],
];

// The agent owns /dev (start mounts its own there, on a plain directory): a link here is replaced, its target never touched.
const AGENT_OWNED = 'replace';

export async function populateDeviceNodes(root: GuestRoot): Promise<void> {
  await root.makeDirectory('dev', { mode: 0o755, link: AGENT_OWNED });
  await root.makeDirectory('dev/pts', { mode: 0o755, link: AGENT_OWNED });
  await root.makeDirectory('dev/shm', { mode: 0o1777, link: AGENT_OWNED, resetMode: true });
  for (const { name, ...device } of CHARACTER_DEVICES) await root.makeNode(`dev/${name}`, { ...device, link: AGENT_OWNED });
  for (const [name, target] of PROC_LINKS) await root.symlink(target, `dev/${name}`);
}
