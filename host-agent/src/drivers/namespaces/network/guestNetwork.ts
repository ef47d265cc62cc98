// A guest's network: its own namespace with a veth pair (host side vx<xid>, guest side eth0),
// the guest's addresses on eth0 and a default route via a link-local gateway on the host side.
// On the host: forwarding on, a /32 route per address to the veth, and a proxy-ARP entry on the
// uplink, so the host's network reaches the guest without any other change to the uplink.
import { promises as fs } from 'node:fs';
import type { GuestConfig } from '../../../../../shared/domain/guest';
import { runTool } from '../../../process/runTool';
import { parseIpAddrJson, uplinkFor } from './uplink';

/** The host side of every guest veth answers as this gateway (the same /32 on each veth). */
export const GUEST_GATEWAY = '169.254.0.1';
export const HOST_VETH_PREFIX = 'vx';

export function hostVethName(xid: number): string {
  return `${HOST_VETH_PREFIX}${xid}`;
}

interface NetworkTools {
  ip: string;
}

async function hostAddresses(tools: NetworkTools): Promise<ReturnType<typeof parseIpAddrJson>> {
  return parseIpAddrJson((await runTool(tools.ip, ['-j', 'addr', 'show'])).stdout);
}

async function linkExists(tools: NetworkTools, name: string): Promise<boolean> {
  const result = await runTool(tools.ip, ['link', 'show', 'dev', name], { allowCodes: [1, 255] });
  return result.code === 0;
}

/** Creates the namespace and wires it; on any failure undoes what it made. */
export async function setUpGuestNetwork(tools: NetworkTools, config: GuestConfig, netnsName: string): Promise<void> {
  const veth = hostVethName(config.xid);
  const inGuest = (args: string[]): Promise<unknown> => runTool(tools.ip, ['-n', netnsName, ...args]);
  await runTool(tools.ip, ['netns', 'add', netnsName]);
  try {
    await inGuest(['link', 'set', 'lo', 'up']);
    await runTool(tools.ip, ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netnsName]);
    await runTool(tools.ip, ['addr', 'add', `${GUEST_GATEWAY}/32`, 'dev', veth]);
    await runTool(tools.ip, ['link', 'set', veth, 'up']);
    for (const guestInterface of config.interfaces) {
      await inGuest(['addr', 'add', `${guestInterface.ip}/${guestInterface.prefix}`, 'dev', 'eth0', 'noprefixroute']);
    }
    await inGuest(['link', 'set', 'eth0', 'up']);
    await inGuest(['route', 'add', 'default', 'via', GUEST_GATEWAY, 'dev', 'eth0', 'onlink']);
    await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1');
    const addresses = await hostAddresses(tools);
    for (const guestInterface of config.interfaces) {
      await runTool(tools.ip, ['route', 'replace', `${guestInterface.ip}/32`, 'dev', veth]);
      const uplink = uplinkFor(addresses, guestInterface.ip, guestInterface.dev, HOST_VETH_PREFIX);
      if (uplink) await runTool(tools.ip, ['neigh', 'replace', 'proxy', guestInterface.ip, 'dev', uplink]);
    }
  } catch (error) {
    await tearDownGuestNetwork(tools, config, netnsName);
    throw error;
  }
}

/** Removes the proxy entries, routes, veth and namespace name; what is already gone is skipped. */
export async function tearDownGuestNetwork(tools: NetworkTools, config: GuestConfig, netnsName: string): Promise<void> {
  const veth = hostVethName(config.xid);
  const addresses = await hostAddresses(tools);
  for (const guestInterface of config.interfaces) {
    const uplink = uplinkFor(addresses, guestInterface.ip, guestInterface.dev, HOST_VETH_PREFIX);
    if (uplink) await runTool(tools.ip, ['neigh', 'del', 'proxy', guestInterface.ip, 'dev', uplink], { allowCodes: [1, 2, 255] });
  }
  if (await linkExists(tools, veth)) await runTool(tools.ip, ['link', 'del', veth]);
  await runTool(tools.ip, ['netns', 'del', netnsName], { allowCodes: [1, 255] });
}
