import { readdir } from 'node:fs/promises';
import { runCommand, runOrThrow } from '../system/command';
import { parseNetwork, subnetsOverlap, type Ipv4Subnet } from './subnet';

const netnsDirectory = '/run/netns';

interface IpAddressEntry {
  ifname: string;
  addr_info?: { local?: string; prefixlen?: number }[];
}

interface IpRouteEntry {
  dst?: string;
  dev?: string;
}

interface IpLinkEntry {
  ifname: string;
  flags?: string[];
}

/** Describes the first address or route of the root namespace inside the subnet, or undefined when the subnet is free. */
export async function subnetConflict(ip: string, subnet: Ipv4Subnet): Promise<string | undefined> {
  const addresses = JSON.parse(await runOrThrow([ip, '-j', '-4', 'address', 'show'], 'listing the addresses of this machine')) as IpAddressEntry[];
  for (const link of addresses) {
    for (const info of link.addr_info ?? []) {
      const address = info.local ? parseNetwork(info.local) : undefined;
      if (address && subnetsOverlap(address, subnet)) return `address ${info.local}/${info.prefixlen} on ${link.ifname}`;
    }
  }
  const routes = JSON.parse(await runOrThrow([ip, '-j', '-4', 'route', 'show', 'table', 'all'], 'listing the routes of this machine')) as IpRouteEntry[];
  for (const route of routes) {
    if (!route.dst || route.dst === 'default') continue;
    const destination = parseNetwork(route.dst);
    if (destination && subnetsOverlap(destination, subnet)) return `route ${route.dst}${route.dev ? ` via ${route.dev}` : ''}`;
  }
  return undefined;
}

export async function createBridge(ip: string, bridge: string, gatewayCidr: string): Promise<void> {
  await runOrThrow([ip, 'link', 'add', 'name', bridge, 'type', 'bridge'], `creating the lab bridge ${bridge}`);
  await runOrThrow([ip, 'address', 'add', gatewayCidr, 'dev', bridge], `giving the lab bridge ${bridge} the address ${gatewayCidr}`);
  await runOrThrow([ip, 'link', 'set', bridge, 'up'], `bringing the lab bridge ${bridge} up`);
}

/** A fresh named netns whose eth0 is the peer of a root-side veth enslaved to the bridge. */
export async function createHostLink(ip: string, link: { netns: string; vethRoot: string; bridge: string; hostMac: string }): Promise<void> {
  await runOrThrow([ip, 'netns', 'add', link.netns], `creating the network namespace ${link.netns}`);
  await runOrThrow([ip, 'link', 'add', link.vethRoot, 'type', 'veth', 'peer', 'name', 'eth0', 'address', link.hostMac, 'netns', link.netns], `creating the link ${link.vethRoot} into ${link.netns}`);
  await runOrThrow([ip, 'link', 'set', link.vethRoot, 'master', link.bridge, 'up'], `attaching ${link.vethRoot} to the bridge ${link.bridge}`);
}

/** Deleting the root-side veth first destroys both ends at once, so the name is free again immediately. */
export async function deleteHostLink(ip: string, link: { netns: string; vethRoot: string }): Promise<void> {
  await deleteLink(ip, link.vethRoot);
  await runCommand([ip, 'netns', 'delete', link.netns]);
}

export async function deleteLink(ip: string, name: string): Promise<void> {
  await runCommand([ip, 'link', 'delete', name]);
}

export async function setLinkUp(ip: string, name: string, up: boolean): Promise<void> {
  await runOrThrow([ip, 'link', 'set', name, up ? 'up' : 'down'], `setting the link ${name} ${up ? 'up' : 'down'}`);
}

/** Root-namespace links whose names start with the prefix, with whether each is administratively up. */
export async function listLinks(ip: string, prefix: string): Promise<{ name: string; up: boolean }[]> {
  const links = JSON.parse(await runOrThrow([ip, '-j', 'link', 'show'], 'listing the links of this machine')) as IpLinkEntry[];
  return links.filter((link) => link.ifname.startsWith(prefix)).map((link) => ({ name: link.ifname, up: (link.flags ?? []).includes('UP') }));
}

export async function isLinkUp(ip: string, name: string): Promise<boolean> {
  return (await listLinks(ip, name)).some((link) => link.name === name && link.up);
}

export async function listNetns(prefix: string): Promise<string[]> {
  try {
    return (await readdir(netnsDirectory)).filter((name) => name.startsWith(prefix));
  } catch {
    return [];
  }
}

export function netnsPath(netns: string): string {
  return `${netnsDirectory}/${netns}`;
}
