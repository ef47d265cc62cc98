// A tiny working guest from the host's static busybox: the binary, its applet links, an
// /sbin/init that hands PID 1 to busybox init (it reaps orphans and stops cleanly on SIGTERM).
import { promises as fs } from 'node:fs';
import { posix } from 'node:path';
import type { GuestRoot } from '../guestRoot/guestRoot';
import { runTool } from '../process/runTool';

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox', '/usr/local/bin/busybox', '/sbin/busybox'];
const PT_INTERP = 3;

/** True when the ELF file has no program interpreter, i.e. runs without the host's libraries. */
export function isStaticElf(header: Buffer): boolean {
  if (header.readUInt32BE(0) !== 0x7f454c46) return false;
  const is64 = header[4] === 2;
  const little = header[5] === 1;
  const read16 = (offset: number): number => (little ? header.readUInt16LE(offset) : header.readUInt16BE(offset));
  const read32 = (offset: number): number => (little ? header.readUInt32LE(offset) : header.readUInt32BE(offset));
  const programOffset = is64 ? Number(little ? header.readBigUInt64LE(32) : header.readBigUInt64BE(32)) : read32(28);
  const entrySize = read16(is64 ? 54 : 42);
  const entryCount = read16(is64 ? 56 : 44);
  for (let index = 0; index < entryCount; index += 1) {
    const offset = programOffset + index * entrySize;
    if (offset + 4 > header.length) return false;
    if (read32(offset) === PT_INTERP) return false;
  }
  return true;
}

export async function findStaticBusybox(): Promise<string> {
  const rejected: string[] = [];
  for (const candidate of BUSYBOX_CANDIDATES) {
    const handle = await fs.open(candidate, 'r').catch(() => undefined);
    if (!handle) continue;
    try {
      const header = Buffer.alloc(8192);
      await handle.read(header, 0, header.length, 0);
      if (isStaticElf(header)) return candidate;
      rejected.push(candidate);
    } finally {
      await handle.close();
    }
  }
  if (rejected.length > 0) {
    throw new Error(`${rejected.join(', ')} is linked dynamically and would not run inside a guest; install the busybox-static package`);
  }
  throw new Error('no busybox found on this host; install the busybox-static package');
}

const INIT_SCRIPT = `#!/bin/sh
# vfleet busybox guest: busybox init as PID 1 runs /etc/init.d/rcS, reaps orphans and, on SIGTERM, runs rcK.
exec /bin/busybox init
`;

const INITTAB = `::sysinit:/etc/init.d/rcS
::shutdown:/etc/init.d/rcK
`;

const RC_START = `#!/bin/sh
# Starts every /etc/init.d/S?? script in order.
for script in /etc/init.d/S??*; do
  [ -x "$script" ] && "$script" start
done
exit 0
`;

const RC_STOP = `#!/bin/sh
# Stops every /etc/init.d/S?? script in reverse order.
for script in $(ls -r /etc/init.d/S??* 2>/dev/null); do
  [ -x "$script" ] && "$script" stop
done
exit 0
`;

/** util-vserver's sysv style runs "/etc/init.d/rc <runlevel>": start the rc<level>.d S scripts. */
const RC_RUNLEVEL = `#!/bin/sh
# Runs the S scripts of /etc/rc$1.d (start) or its K scripts (runlevels 0 and 6).
level="\${1:-3}"
case "$level" in
  0|6) for script in /etc/rc$level.d/K??*; do [ -x "$script" ] && "$script" stop; done ;;
  *) for script in /etc/rc$level.d/S??*; do [ -x "$script" ] && "$script" start; done ;;
esac
exit 0
`;

export async function buildBusyboxRoot(root: GuestRoot, signal?: AbortSignal): Promise<void> {
  const busybox = await findStaticBusybox();
  await root.makeDirectory('bin', { mode: 0o755 });
  await root.writeFile('bin/busybox', await fs.readFile(busybox), { mode: 0o755 });
  const { stdout } = await runTool(busybox, ['--list-full'], { signal });
  const applets = stdout.split('\n').map((line) => line.trim()).filter((line) => /^[a-z0-9/._+\-[\]]+$/i.test(line));
  for (const applet of applets) {
    if (applet === 'sbin/init' || applet === 'linuxrc' || applet === 'bin/busybox' || applet.includes('..')) continue;
    const directory = posix.dirname(applet);
    if (directory !== '.') await root.makeDirectory(directory, { mode: 0o755 });
    await root.symlink('/bin/busybox', applet);
  }
  for (const directory of ['sbin', 'etc/init.d', 'etc/rc0.d', 'etc/rc3.d', 'etc/rc6.d']) await root.makeDirectory(directory, { mode: 0o755 });
  const files: Array<[string, string, number]> = [
    ['sbin/init', INIT_SCRIPT, 0o755],
    ['etc/inittab', INITTAB, 0o644],
    ['etc/init.d/rcS', RC_START, 0o755],
    ['etc/init.d/rcK', RC_STOP, 0o755],
    ['etc/init.d/rc', RC_RUNLEVEL, 0o755],
    ['etc/profile', 'export PATH=/bin:/sbin:/usr/bin:/usr/sbin\nexport PS1="\\h:\\w\\$ "\n', 0o644],
    ['etc/shells', '/bin/sh\n/bin/ash\n', 0o644],
  ];
  for (const [path, content, mode] of files) await root.writeFile(path, content, { mode });
}
