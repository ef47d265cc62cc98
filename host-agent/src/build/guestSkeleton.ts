// The directories and identity files every guest root has, whatever the build method put there.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { populateDeviceNodes } from './deviceNodes';

const DIRECTORIES: Array<[string, number]> = [
  ['bin', 0o755], ['sbin', 0o755], ['etc', 0o755], ['etc/init.d', 0o755], ['lib', 0o755], ['usr', 0o755],
  ['usr/bin', 0o755], ['usr/sbin', 0o755], ['var', 0o755], ['var/log', 0o755], ['var/run', 0o755], ['run', 0o755],
  ['root', 0o700], ['home', 0o755], ['proc', 0o555], ['sys', 0o555], ['tmp', 0o1777], ['mnt', 0o755],
];

export interface GuestIdentity {
  nodename: string;
  domainname: string;
  addresses: string[];
}

async function writeIfMissing(path: string, content: string, mode = 0o644): Promise<void> {
  try {
    await fs.writeFile(path, content, { flag: 'wx', mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

export async function completeGuestSkeleton(root: string, identity: GuestIdentity, signal?: AbortSignal): Promise<void> {
  for (const [directory, mode] of DIRECTORIES) {
    const path = join(root, directory);
    const existing = await fs.lstat(path).catch(() => undefined);
    if (existing) continue;
    await fs.mkdir(path, { recursive: true, mode });
    await fs.chmod(path, mode);
  }
  await populateDeviceNodes(root, signal);
  await fs.writeFile(join(root, 'etc', 'hostname'), `${identity.nodename}\n`);
  const fqdn = identity.domainname ? `${identity.nodename}.${identity.domainname} ` : '';
  const hostLines = identity.addresses.map((address) => `${address}\t${fqdn}${identity.nodename}`);
  await writeIfMissing(join(root, 'etc', 'hosts'), ['127.0.0.1\tlocalhost', '::1\tlocalhost', ...hostLines, ''].join('\n'));
  await writeIfMissing(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await writeIfMissing(join(root, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
}
