import { describe, expect, it } from 'vitest';
import { checkAgentParams } from '../../shared/protocol/methods';
import {
  guestNameSchema, xidSchema, ipAddressSchema, parseInterfaceSpec, parseSize, sizeSchema, safePathSchema,
  rsyncSourceSchema, normaliseCapability, normaliseContextCapability, nodenameSchema, cpuSetSchema,
} from '../../shared/validation';
import { formatSize } from '../../shared/format/byteSize';

describe('guest names', () => {
  it('accepts names util-vserver admins use', () => {
    for (const name of ['web1', 'db-2', 'mail.example', 'a', 'A_b-c.d', 'x'.repeat(63)]) {
      expect(guestNameSchema.safeParse(name).success, name).toBe(true);
    }
  });
  it('refuses traversal, hidden names, separators, shell metacharacters and overlong names', () => {
    for (const name of ['', '.', '..', '../etc', 'a/b', '.hidden', '-rf', 'a b', 'a;rm -rf /', '$(id)', '`id`', 'a|b', 'a\nb', 'x'.repeat(64), 'é']) {
      expect(guestNameSchema.safeParse(name).success, JSON.stringify(name)).toBe(false);
    }
  });
});

describe('context ids', () => {
  it('are whole numbers from 2 to 49151', () => {
    expect(xidSchema.safeParse(2).success).toBe(true);
    expect(xidSchema.safeParse(49151).success).toBe(true);
    for (const xid of [0, 1, 49152, 65535, -5, 2.5, Number.NaN]) expect(xidSchema.safeParse(xid).success, String(xid)).toBe(false);
  });
});

describe('addresses', () => {
  it('accepts IPv4 and IPv6 and refuses the rest', () => {
    for (const ip of ['10.0.0.1', '192.168.255.255', '::1', 'fe80::1', '2001:db8::8a2e:370:7334', '::ffff:10.1.2.3']) {
      expect(ipAddressSchema.safeParse(ip).success, ip).toBe(true);
    }
    for (const ip of ['256.1.1.1', '10.0.0', '10.0.0.1.2', '01.2.3.4x', 'fe80::1%eth0', '1::2::3', 'host', '10.0.0.1;id', '']) {
      expect(ipAddressSchema.safeParse(ip).success, ip).toBe(false);
    }
  });
  it('parses util-vserver --interface words with device and prefix defaults', () => {
    expect(parseInterfaceSpec('10.1.2.3/16')).toEqual({ ip: '10.1.2.3', prefix: 16, dev: '' });
    expect(parseInterfaceSpec('eth0:10.1.2.3')).toEqual({ ip: '10.1.2.3', prefix: 24, dev: 'eth0' });
    expect(parseInterfaceSpec('2001:db8::5/48')).toEqual({ ip: '2001:db8::5', prefix: 48, dev: '' });
    expect(() => parseInterfaceSpec('10.1.2.3/33')).toThrow(/at most 32/);
    expect(() => parseInterfaceSpec('10.1.2.3/x')).toThrow(/prefix/);
    expect(() => parseInterfaceSpec('evil;id:10.1.2.3')).toThrow();
  });
});

describe('sizes', () => {
  it('reads K/M/G/T suffixes as binary units and formats them back', () => {
    expect(parseSize('256M')).toBe(268_435_456);
    expect(parseSize('1.5G')).toBe(1_610_612_736);
    expect(parseSize('4096k')).toBe(4_194_304);
    expect(parseSize('123')).toBe(123);
    expect(formatSize(268_435_456)).toBe('256M');
    expect(formatSize(1000)).toBe('1000');
    expect(sizeSchema.parse('200M')).toBe(209_715_200);
    expect(sizeSchema.parse(4096)).toBe(4096);
  });
  it('refuses what is not a size', () => {
    for (const text of ['12X', '-1M', '', 'M', '1e9', '256 M B', '99999999999T']) {
      expect(sizeSchema.safeParse(text).success, text).toBe(false);
    }
  });
});

describe('paths', () => {
  it('accept only absolute paths without traversal, control characters or shell metacharacters', () => {
    expect(safePathSchema.safeParse('/srv/templates/base.tar.gz').success).toBe(true);
    for (const path of ['relative/dir', '/srv/../etc/shadow', '/srv/..', '/tmp/a b', '/tmp/$(id)', '/tmp/a;b', '/tmp/`x`', '/tmp/a\nb', '/tmp/*', '']) {
      expect(safePathSchema.safeParse(path).success, JSON.stringify(path)).toBe(false);
    }
    expect(rsyncSourceSchema.safeParse('old-host:/').success).toBe(true);
    expect(rsyncSourceSchema.safeParse('old-host:/../x').success).toBe(false);
    expect(rsyncSourceSchema.safeParse('-e sh:/x').success).toBe(false);
  });
});

describe('names of capabilities, hosts and CPU sets', () => {
  it('normalise util-vserver spellings', () => {
    expect(normaliseCapability('net_raw')).toBe('CAP_NET_RAW');
    expect(normaliseCapability('CAP_SYS_ADMIN')).toBe('CAP_SYS_ADMIN');
    expect(normaliseCapability('cap_nonsense')).toBeUndefined();
    expect(normaliseContextCapability('ping')).toBe('raw_icmp');
    expect(normaliseContextCapability('RAW_ICMP')).toBe('raw_icmp');
  });
  it('check host names and CPU lists', () => {
    expect(nodenameSchema.safeParse('web1.example.org').success).toBe(true);
    expect(nodenameSchema.safeParse('-bad').success).toBe(false);
    expect(nodenameSchema.safeParse('a;b').success).toBe(false);
    expect(cpuSetSchema.safeParse('0-1,4').success).toBe(true);
    expect(cpuSetSchema.safeParse('0-1;4').success).toBe(false);
  });
});

describe('method parameters reuse the same rules', () => {
  it('build refuses a traversal name, an out-of-range xid and a template without a source', () => {
    expect(checkAgentParams('build', { name: '../x', method: 'skeleton', xid: 100 }).ok).toBe(false);
    expect(checkAgentParams('build', { name: 'ok', method: 'skeleton', xid: 49152 }).ok).toBe(false);
    const template = checkAgentParams('build', { name: 'ok', method: 'template', xid: 100 });
    expect(template.ok ? '' : template.problem).toMatch(/needs a source/);
    expect(checkAgentParams('build', { name: 'ok', method: 'busybox', xid: 100, interfaces: [{ ip: '10.0.0.2', prefix: 24 }] }).ok).toBe(true);
  });
  it('build passes on only the debootstrap options that choose packages or an offline tarball', () => {
    const debootstrap = (debootstrapOptions: string[]): boolean =>
      checkAgentParams('build', { name: 'ok', method: 'debootstrap', xid: 100, distribution: 'bookworm', debootstrapOptions }).ok;
    expect(debootstrap(['--include=sysvinit-core,openssh-server,libc6-dev', '--exclude=systemd', '--components=main,contrib'])).toBe(true);
    expect(debootstrap(['--unpack-tarball=/var/cache/debs.tgz'])).toBe(true);
    for (const option of ['--keyring=/tmp/k.gpg', '--no-check-gpg', '--foreign', '--include=a;id', '--include=', '--include=a,,b', '--unpack-tarball=../x.tgz', '--unpack-tarball=/x y', 'bookworm']) {
      expect(debootstrap([option]), option).toBe(false);
    }
  });
  it('limitSet reads sizes with suffixes and null as "remove"', () => {
    const checked = checkAgentParams('limitSet', { name: 'web1', limits: { memoryHard: '256M', memorySoft: null, processes: 50, cpu: 0.25 } });
    expect(checked.ok && checked.value.limits).toEqual({ memoryHard: 268_435_456, memorySoft: null, processes: 50, cpu: 0.25 });
  });
  it('exec refuses an empty command and unknown fields', () => {
    expect(checkAgentParams('exec', { name: 'web1', argv: [] }).ok).toBe(false);
    expect(checkAgentParams('exec', { name: 'web1', argv: ['id'], shell: true }).ok).toBe(false);
  });
});
