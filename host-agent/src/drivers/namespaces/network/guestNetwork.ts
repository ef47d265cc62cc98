// A guest's network: its own namespace with a veth pair (host side vx<xid>, guest side eth0),
// the guest's addresses on eth0 and a default route via a link-local gateway on the host side.
// On the host: forwarding on, a /32 route per address to the veth, and a proxy-ARP entry on the
// uplink, so the host's network reaches the guest without any other change to the uplink.
// A start wires it with three ip processes (the namespace, then the host's side and the guest's
// side each as one `ip -batch`), not one per change: each process is part of a migration's downtime.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { GuestConfig } from '../../../../../shared/domain/guest';
import { runTool } from '../../../process/runTool';
import { linkNames, parseIpAddrJson, uplinkFor, type HostAddress } from './uplink';

/** The host side of every guest veth answers as this gateway (the same /32 on each veth). */
export const GUEST_GATEWAY = '169.254.0.1';
export const HOST_VETH_PREFIX = 'vx';
/** Where `ip netns` keeps the names of namespaces (guestRuntimePaths' netnsFile is in it). */
const NETNS_DIR = '/run/netns';

export function hostVethName(xid: number): string {
  return `${HOST_VETH_PREFIX}${xid}`;
}

interface NetworkTools {
  ip: string;
}

/** The host's addresses and, from the same `ip -j addr show` (it lists every link, with or without an address), its links' names. */
async function hostLinks(tools: NetworkTools): Promise<{ addresses: HostAddress[]; links: string[] }> {
  const shown = (await runTool(tools.ip, ['-j', 'addr', 'show'])).stdout;
  return { addresses: parseIpAddrJson(shown), links: linkNames(shown) };
}

/** What an `ip -batch` line may hold: plain words (names, addresses, numbers), nothing ip's batch parser would split or quote. */
const BATCH_WORD = /^[A-Za-z0-9_.:/@-]+$/;

/** Runs the commands as one `ip -batch` (inside the namespace when `netns` is given): one process for all, each a process of its own before. */
async function ipBatch(tools: NetworkTools, commands: string[][], netns?: string): Promise<void> {
  const bad = commands.flat().find((word) => !BATCH_WORD.test(word));
  if (bad !== undefined) throw new Error(`'${bad}' cannot be passed to ip`);
  await runTool(tools.ip, [...(netns ? ['-n', netns] : []), '-batch', '-'], { input: `${commands.map((words) => words.join(' ')).join('\n')}\n` });
}

/** Creates the namespace and wires it; on any failure undoes what it made. */
export async function setUpGuestNetwork(tools: NetworkTools, config: GuestConfig, netnsName: string): Promise<void> {
  const veth = hostVethName(config.xid);
  // The uplinks are the host's own devices, which the guest's veth does not change: read once, first.
  const { addresses } = await hostLinks(tools);
  await runTool(tools.ip, ['netns', 'add', netnsName]);
  try {
    const onHost = [
      ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netnsName],
      ['addr', 'add', `${GUEST_GATEWAY}/32`, 'dev', veth],
      ['link', 'set', veth, 'up'],
    ];
    for (const guestInterface of config.interfaces) {
      onHost.push(['route', 'replace', `${guestInterface.ip}/32`, 'dev', veth]);
      const uplink = uplinkFor(addresses, guestInterface.ip, guestInterface.dev, HOST_VETH_PREFIX);
      if (uplink) onHost.push(['neigh', 'replace', 'proxy', guestInterface.ip, 'dev', uplink]);
    }
    await ipBatch(tools, onHost);
    await ipBatch(tools, [
      ['link', 'set', 'lo', 'up'],
      ...config.interfaces.map((guestInterface) => ['addr', 'add', `${guestInterface.ip}/${guestInterface.prefix}`, 'dev', 'eth0', 'noprefixroute']),
      ['link', 'set', 'eth0', 'up'],
      ['route', 'add', 'default', 'via', GUEST_GATEWAY, 'dev', 'eth0', 'onlink'],
    ], netnsName);
    await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1');
  } catch (error) {
    await tearDownGuestNetwork(tools, config, netnsName);
    throw error;
  }
}

/** Removes the proxy entries, routes, veth and namespace name; what is already gone is skipped. */
export async function tearDownGuestNetwork(tools: NetworkTools, config: GuestConfig, netnsName: string): Promise<void> {
  const veth = hostVethName(config.xid);
  const { addresses, links } = await hostLinks(tools);
  for (const guestInterface of config.interfaces) {
    const uplink = uplinkFor(addresses, guestInterface.ip, guestInterface.dev, HOST_VETH_PREFIX);
    if (uplink) await runTool(tools.ip, ['neigh', 'del', 'proxy', guestInterface.ip, 'dev', uplink], { allowCodes: [1, 2, 255] });
  }
  if (links.includes(veth)) await runTool(tools.ip, ['link', 'del', veth]);
  // ip keeps a namespace's name as a file there; without it there is nothing to delete (and no process to start for that).
  if (await fs.lstat(join(NETNS_DIR, netnsName)).then(() => true, () => false)) await runTool(tools.ip, ['netns', 'del', netnsName], { allowCodes: [1, 255] });
}
