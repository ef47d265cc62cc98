// The HTTP guest the migration tests move (migrate.test.ts, relay.test.ts): a busybox guest serving
// a file over HTTP on its own address, with the fidelity content (owners, modes, hard links,
// symlinks, a device node, a fifo, xattrs with a security.* one, ACLs, a sparse file, mtimes) and
// a writer changing one file while it runs; a client on a lab host fetching its URL every 20 ms,
// whose longest gap between answers is the client-observed downtime (./downtime.ts).
import type { FleetCore } from '../../../electron/core/fleet';
import { labDown, labUp, type Lab, type LabOptions } from '../../lab/lab';
import { treeManifest, type TreeManifest } from '../../agent/support/treeManifest';
import { onboardLabHosts, startCore, type CoreHandle } from '../../core/support/coreOnLab';
import { HTTPD_INIT_SCRIPT, labShell, waitForHttp } from './labGuests';

/** The guest's own writer, changing this file every 50 ms while it runs (a change during pre-copy). */
export const CHANGING = 'var/counter';

const INIT_SCRIPTS: Record<string, string> = {
  'etc/init.d/S50httpd': HTTPD_INIT_SCRIPT,
  'etc/init.d/S60counter': '#!/bin/sh\n[ "$1" = start ] && (while :; do date +%s%N > /var/counter; usleep 50000; done) &\nexit 0\n',
};

/** Fidelity content made on the host in the guest's root (as root, before its first start). */
const FIDELITY_SCRIPT = `
set -e
cd "$1"
mkdir -p www srv/shared srv/data var
printf 'served by the guest\\n' > www/index.html
dd if=/dev/urandom of=srv/data/bulk bs=1M count=200 status=none
printf 'owned\\n' > srv/data/owned && chown 1234:2345 srv/data/owned && chmod 660 srv/data/owned
ln srv/data/owned srv/shared/owned-hardlink
ln -s ../data/owned srv/shared/owned-symlink
mkfifo srv/fifo
mknod srv/null-device c 1 3
printf head > srv/data/sparse && truncate -s 64M srv/data/sparse && printf tail | dd of=srv/data/sparse bs=1 seek=33554432 conv=notrunc status=none
cp /bin/busybox srv/data/tool && setcap cap_net_bind_service+ep srv/data/tool
setfattr -n user.origin -v migration srv/data/owned
setfattr -n trusted.vfleet -v kept srv/data/owned
setfacl -m u:4242:rw srv/data/owned
setfacl -d -m g:4343:rx srv/shared && chmod 2775 srv/shared
touch -d '2001-02-03 04:05:06.123456789' srv/data/owned www/index.html
`;

export const SERVED = 'served by the guest\n';

export function without(manifest: TreeManifest, path: string): TreeManifest {
  const { [path]: _dropped, ...rest } = manifest;
  return rest;
}

export function guestUrl(ip: string): string {
  return `http://${ip}/index.html`;
}

/** Until the URL answers from `host` (the guest's httpd starts with its init scripts). */
export function waitForAnswer(lab: Lab, host: string, url: string): Promise<void> {
  return waitForHttp(lab, host, url, SERVED);
}

/** Builds the guest on `host` with the fidelity content and its init scripts, starts it and waits for its URL to answer from `client`. */
export async function buildHttpGuest(core: FleetCore, lab: Lab, guest: { host: string; name: string; xid: number; ip: string; client: string }): Promise<void> {
  await core.invoke('guest.build', { host: guest.host, build: { name: guest.name, method: 'busybox', xid: guest.xid, interfaces: [{ ip: guest.ip, prefix: 24 }] } });
  await labShell(lab, guest.host, FIDELITY_SCRIPT, `/vservers/${guest.name}`);
  for (const [path, text] of Object.entries(INIT_SCRIPTS)) {
    await labShell(lab, guest.host, 'printf %s "$2" > "$1" && chmod 755 "$1"', `/vservers/${guest.name}/${path}`, text);
  }
  await core.invoke('guest.start', { host: guest.host, guest: guest.name });
  await waitForAnswer(lab, guest.client, guestUrl(guest.ip));
}

/**
 * A fresh lab with a core that has onboarded every host, and the guest built and running on lab-1
 * (URL answering on lab-3); `before` is the manifest of its root then.
 */
export async function labWithHttpGuest(options: LabOptions & { name: string }, guest: { name: string; xid: number; ip: string }): Promise<{ lab: Lab; handle: CoreHandle; before: TreeManifest }> {
  await labDown({ name: options.name }).catch(() => undefined);
  const lab = await labUp(options);
  const handle = await startCore();
  await onboardLabHosts(handle.core, lab);
  await buildHttpGuest(handle.core, lab, { host: 'lab-1', ...guest, client: 'lab-3' });
  const before = await treeManifest(`/proc/${lab.host('lab-1').initPid}/root/vservers/${guest.name}`, undefined, { content: true, mtime: true });
  return { lab, handle, before };
}
