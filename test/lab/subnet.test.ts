import { describe, expect, it } from 'vitest';
import { gatewayAddress, hostAddress, hostCapacity, parseNetwork, parseSubnet, subnetsOverlap } from './network/subnet';

function network(text: string) {
  const parsed = parseNetwork(text);
  if (!parsed) throw new Error(`${text} should parse as an IPv4 network`);
  return parsed;
}

describe('lab subnet arithmetic', () => {
  it('numbers hosts from .1 and gives the machine the last usable address', () => {
    const subnet = parseSubnet('10.213.7.0/24');
    expect(hostAddress(subnet, 1)).toBe('10.213.7.1');
    expect(hostAddress(subnet, 20)).toBe('10.213.7.20');
    expect(gatewayAddress(subnet)).toBe('10.213.7.254');
    expect(hostCapacity(subnet)).toBe(253);
  });

  it('normalises a CIDR with host bits set to its network', () => {
    expect(parseSubnet('10.213.7.99/28').cidr).toBe('10.213.7.96/28');
    expect(gatewayAddress(parseSubnet('10.213.7.99/28'))).toBe('10.213.7.110');
  });

  it('rejects what is not a lab subnet, naming the input', () => {
    expect(() => parseSubnet('10.213.7.0')).toThrow(/"10\.213\.7\.0" is not an IPv4 network/);
    expect(() => parseSubnet('10.213.7.300/24')).toThrow(/not an IPv4 network/);
    expect(() => parseSubnet('10.213.7.0/31')).toThrow(/room for hosts/);
  });

  it('detects overlap with an address or a route of the machine', () => {
    const lab = parseSubnet('10.213.7.0/24');
    expect(subnetsOverlap(lab, network('10.213.7.254'))).toBe(true);
    expect(subnetsOverlap(lab, network('10.213.0.0/16'))).toBe(true);
    expect(subnetsOverlap(lab, network('10.213.8.0/24'))).toBe(false);
    expect(parseNetwork('fd00::1/64')).toBeUndefined();
  });
});
