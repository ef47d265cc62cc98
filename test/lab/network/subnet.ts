/** An IPv4 network in CIDR notation, e.g. 10.213.0.0/24. */
export interface Ipv4Subnet {
  cidr: string;
  network: number;
  prefixLength: number;
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Any IPv4 network, e.g. an address or route of this machine; undefined when the text is not one. */
export function parseNetwork(cidr: string): Ipv4Subnet | undefined {
  const [addressText = '', prefixText = '32', extra] = cidr.split('/');
  const address = parseIpv4(addressText);
  const prefixLength = Number(prefixText);
  if (address === undefined || extra !== undefined || !/^\d+$/.test(prefixText) || prefixLength > 32) return undefined;
  const size = 2 ** (32 - prefixLength);
  const network = address - (address % size);
  return { cidr: `${formatIpv4(network)}/${prefixLength}`, network, prefixLength };
}

/** The lab's subnet: a network with room for a gateway and at least one host. */
export function parseSubnet(cidr: string): Ipv4Subnet {
  const subnet = cidr.includes('/') ? parseNetwork(cidr) : undefined;
  if (!subnet || subnet.prefixLength > 30) {
    throw new Error(`the lab subnet "${cidr}" is not an IPv4 network in CIDR notation with room for hosts (e.g. 10.213.0.0/24)`);
  }
  return subnet;
}

function size(subnet: Ipv4Subnet): number {
  return 2 ** (32 - subnet.prefixLength);
}

/** Lab host N (1-based) gets network + N. */
export function hostAddress(subnet: Ipv4Subnet, hostNumber: number): string {
  return formatIpv4(subnet.network + hostNumber);
}

/** The root namespace takes the last usable address (.254 in a /24), so host numbers stay equal to their last octet. */
export function gatewayAddress(subnet: Ipv4Subnet): string {
  return formatIpv4(subnet.network + size(subnet) - 2);
}

/** How many hosts fit beside the gateway address. */
export function hostCapacity(subnet: Ipv4Subnet): number {
  return size(subnet) - 3;
}

export function subnetsOverlap(a: Ipv4Subnet, b: Ipv4Subnet): boolean {
  return a.network < b.network + size(b) && b.network < a.network + size(a);
}
