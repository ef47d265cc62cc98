// The directories and identity files every guest root has, whatever the build method put there.
import type { GuestRoot } from '../guestRoot/guestRoot';
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

export async function completeGuestSkeleton(root: GuestRoot, identity: GuestIdentity): Promise<void> {
  for (const [directory, mode] of DIRECTORIES) {
    // Whatever the guest already has at these names (e.g. bin -> usr/bin, var/run -> /run) stays, unfollowed.
    if (!(await root.entry(directory))) await root.makeDirectory(directory, { mode });
  }
  await populateDeviceNodes(root);
  // The hostname is the guest's file: a link there is refused, never written through.
  await root.writeFile('etc/hostname', `${identity.nodename}\n`);
  const fqdn = identity.domainname ? `${identity.nodename}.${identity.domainname} ` : '';
  const hostLines = identity.addresses.map((address) => `${address}\t${fqdn}${identity.nodename}`);
  await root.writeFile('etc/hosts', ['127.0.0.1\tlocalhost', '::1\tlocalhost', ...hostLines, ''].join('\n'), { ifMissing: true });
  await root.writeFile('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n', { ifMissing: true });
  await root.writeFile('etc/group', 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n', { ifMissing: true });
}
