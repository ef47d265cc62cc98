// Which host device a guest address belongs to: interfaces/<n>/dev when set, else the device
// whose IPv4 subnet contains the address (from `ip -j addr show`).

export interface HostAddress {
  device: string;
  address: string;
  prefix: number;
}

interface IpAddrJson {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

export function parseIpAddrJson(json: string): HostAddress[] {
  const links = JSON.parse(json) as IpAddrJson[];
  return links.flatMap((link) => (link.addr_info ?? [])
    .filter((info) => info.family === 'inet' && info.local && info.prefixlen !== undefined)
    .map((info) => ({ device: link.ifname ?? '', address: info.local ?? '', prefix: info.prefixlen ?? 32 })));
}

/** Every link's name in `ip -j addr show`'s answer. */
export function linkNames(json: string): string[] {
  return (JSON.parse(json) as IpAddrJson[]).flatMap((link) => (link.ifname ? [link.ifname] : []));
}

export function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

export function subnetContains(network: HostAddress, address: string): boolean {
  if (network.prefix === 0) return true;
  const size = 2 ** (32 - network.prefix);
  return Math.floor(ipv4ToNumber(network.address) / size) === Math.floor(ipv4ToNumber(address) / size);
}

/** The uplink for a guest address; undefined when no device's subnet contains it (then nothing is proxied). */
export function uplinkFor(addresses: HostAddress[], address: string, configuredDevice: string, guestDevicePrefix: string): string | undefined {
  if (configuredDevice) return configuredDevice;
  const candidates = addresses
    .filter((entry) => entry.device !== 'lo' && !entry.device.startsWith(guestDevicePrefix) && entry.prefix < 32)
    .filter((entry) => subnetContains(entry, address))
    .sort((left, right) => right.prefix - left.prefix);
  return candidates[0]?.device;
}
