// Duplicate-address detection before a guest starts: each IPv4 address of the guest is probed with
// iputils `arping` on the host device it would be reached through (the one the namespaces driver
// proxies it on, util-vserver's interfaces/<n>/dev), and an answer refuses the start, naming the
// MAC that answered. From the host's own address on that subnet the probe is a plain ARP request,
// which proxy-ARP hosts (namespaces guests elsewhere) answer too; without one it is an RFC 5227
// probe (`-D`, source 0.0.0.0), which only hosts holding the address themselves answer.
// Not probed: IPv6 addresses, and addresses in no subnet of the host (routed to it, so nothing on
// its links can hold them). A host without arping refuses the start rather than skip the check.
import type { GuestConfig } from '../../../shared/domain/guest';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { isIpv4 } from '../../../shared/validation';
import { HOST_VETH_PREFIX } from '../drivers/namespaces/network/guestNetwork';
import { parseIpAddrJson, subnetContains, uplinkFor, type HostAddress } from '../drivers/namespaces/network/uplink';
import { guestError } from '../errors/agentError';
import { findExecutable, runTool } from '../process/runTool';

/** Two probes a second apart, at most two seconds in all (arping's -c 2 -w 2). */
const PROBE_ARGS = ['-c', '2', '-w', '2'];

export interface AddressProbe {
  ip: string;
  device: string;
  /** The host's address the request came from; absent: a DAD probe from 0.0.0.0. */
  source?: string;
}

export interface AddressAnswer extends AddressProbe {
  mac: string;
}

/** What to probe for each address of the guest, given the host's addresses (`ip -j addr show`). */
export function addressProbes(config: GuestConfig, hostAddresses: HostAddress[]): AddressProbe[] {
  const probes: AddressProbe[] = [];
  for (const guestInterface of config.interfaces) {
    if (!isIpv4(guestInterface.ip)) continue;
    const device = uplinkFor(hostAddresses, guestInterface.ip, guestInterface.dev, HOST_VETH_PREFIX);
    if (!device) continue;
    const source = hostAddresses.find((entry) => entry.device === device && entry.prefix < 32 && subnetContains(entry, guestInterface.ip));
    probes.push({ ip: guestInterface.ip, device, ...(source ? { source: source.address } : {}) });
  }
  return probes;
}

/** The MAC of the first answer in arping's output ("Unicast reply from 10.0.0.5 [AA:BB:..]  0.6ms"). */
export function answeringMac(output: string, ip: string): string | undefined {
  for (const line of output.split('\n')) {
    const match = /reply from (\S+) \[([0-9A-Fa-f:]{17})\]/.exec(line);
    if (match && match[1] === ip) return match[2]?.toLowerCase();
  }
  return undefined;
}

async function probe(arping: string, target: AddressProbe, guest: string, signal?: AbortSignal): Promise<AddressAnswer | undefined> {
  // -f: a plain request stops at the first answer, as -D does by itself.
  const args = [...PROBE_ARGS, '-I', target.device, ...(target.source ? ['-f', '-s', target.source] : ['-D']), target.ip];
  // Exit codes: -D 0 no answer, 1 answered; plain 0 answered, 1 none; 2 an error either way. The output decides.
  const result = await runTool(arping, args, { allowCodes: [1, 2], signal });
  const mac = answeringMac(result.stdout, target.ip);
  if (mac) return { ...target, mac };
  if (result.code === 2) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-1)[0];
    throw guestError(ERROR_CODES.failed, guest, `could not check that address ${target.ip} is free on ${target.device}: arping failed (${detail})`);
  }
  return undefined;
}

/** Refuses when any address of the guest answers on the host's network; every address is probed at once. */
export async function assertAddressesUnanswered(config: GuestConfig, signal?: AbortSignal): Promise<void> {
  if (!config.interfaces.some((guestInterface) => isIpv4(guestInterface.ip))) return;
  const ip = findExecutable('ip');
  if (!ip) throw guestError(ERROR_CODES.unsupported, config.name, 'cannot read the host\'s addresses to check its own: ip is not installed (Debian package iproute2)');
  const probes = addressProbes(config, parseIpAddrJson((await runTool(ip, ['-j', 'addr', 'show'], { signal })).stdout));
  if (probes.length === 0) return;
  const arping = findExecutable('arping');
  if (!arping) {
    throw guestError(ERROR_CODES.unsupported, config.name, `cannot check that its address${probes.length > 1 ? 'es' : ''} ${probes.map((entry) => entry.ip).join(', ')} ${probes.length > 1 ? 'are' : 'is'} free on the network: arping is not installed on this host (Debian package iputils-arping); install it to start guests with addresses`);
  }
  const answers = (await Promise.all(probes.map((target) => probe(arping, target, config.name, signal)))).filter((answer) => answer !== undefined);
  if (answers.length === 0) return;
  const described = answers.map((answer) => `${answer.ip} is already in use on the network: ${answer.mac} answered on ${answer.device}`).join('; ');
  throw guestError(ERROR_CODES.conflict, config.name, `not started: address ${described}`, { duplicates: answers.map(({ ip: address, mac, device }) => ({ ip: address, mac, device })) });
}
