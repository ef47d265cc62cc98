// A migrated guest's addresses announced from its new host: gratuitous ARP (arping -U, then -A)
// on the host device that answers for each address, in the host's own network namespace, where
// the uplink is (the guest's eth0 is a veth that ends on this host). arping binds its probe
// socket to the announced address, which this host does not own, so the host's
// net.ipv4.ip_nonlocal_bind is on for the moment of the announcement and then set back.
import { promises as fs } from 'node:fs';
import type { GuestConfig } from '../../../shared/domain/guest';
import { isIpv4 } from '../../../shared/validation';
import { HOST_VETH_PREFIX } from '../drivers/namespaces/network/guestNetwork';
import { parseIpAddrJson, uplinkFor, type HostAddress } from '../drivers/namespaces/network/uplink';
import { findExecutable, runTool } from '../process/runTool';

const NONLOCAL_BIND = '/proc/sys/net/ipv4/ip_nonlocal_bind';

export async function hostAddresses(): Promise<HostAddress[]> {
  return parseIpAddrJson((await runTool('ip', ['-j', 'addr', 'show'])).stdout);
}

/** The host device answering for each IPv4 address of the guest (none for an address outside every subnet). */
export async function answeringDevices(config: GuestConfig): Promise<{ ip: string; device: string }[]> {
  const addresses = await hostAddresses();
  return config.interfaces.filter((entry) => isIpv4(entry.ip)).flatMap((entry) => {
    const device = uplinkFor(addresses, entry.ip, entry.dev, HOST_VETH_PREFIX);
    return device ? [{ ip: entry.ip, device }] : [];
  });
}

export async function deviceMac(device: string): Promise<string | undefined> {
  const mac = await fs.readFile(`/sys/class/net/${device}/address`, 'utf8').catch(() => undefined);
  return mac?.trim().toLowerCase();
}

/** Sends the gratuitous ARP of every address; the caller holds the host-wide announce lock. */
export async function announceAddresses(config: GuestConfig): Promise<{ ip: string; device: string }[]> {
  const arping = findExecutable('arping');
  if (!arping) throw new Error('arping is not installed (Debian package iputils-arping)');
  const targets = await answeringDevices(config);
  if (targets.length === 0) return [];
  const before = (await fs.readFile(NONLOCAL_BIND, 'utf8')).trim();
  await fs.writeFile(NONLOCAL_BIND, '1');
  try {
    // Each arping sends at once and then waits a second for replies that never come: all run side by side.
    await Promise.all(targets.flatMap(({ ip, device }) => ['-U', '-A'].map((mode) => runTool(arping, ['-q', mode, '-c', '1', '-I', device, ip]))));
  } finally {
    await fs.writeFile(NONLOCAL_BIND, before);
  }
  return targets;
}

/** Duplicate address detection from this host (arping -D): the MACs that answer for `ip` on `device`. */
export async function arpAnswers(ip: string, device: string): Promise<string[]> {
  const arping = findExecutable('arping');
  if (!arping) throw new Error('arping is not installed (Debian package iputils-arping)');
  const result = await runTool(arping, ['-D', '-c', '2', '-w', '2', '-I', device, ip], { allowCodes: [1] });
  const macs = [...result.stdout.matchAll(/reply from [0-9.]+ \[([0-9A-Fa-f:]{17})\]/g)].map((match) => (match[1] ?? '').toLowerCase());
  return [...new Set(macs)];
}
