import { describe, expect, it } from 'vitest';
import { applyBitList, namesOfBits } from '../../host-agent/src/vserverFormats/bitList';
import { BCAPS, CCAPS, CFLAGS, bitsOfName } from '../../host-agent/src/vserverFormats/contextBits';
import { parseVlimitAll } from '../../host-agent/src/vserverFormats/vlimitOutput';
import { parseRlimitValue } from '../../host-agent/src/vserverFormats/rlimitValue';
import { bytesToPages, pagesToBytes } from '../../host-agent/src/vserverFormats/pages';
import { cpuBucketToQuota, quotaToCpuBucket } from '../../host-agent/src/vserverFormats/cpuBucket';
import { insertContextColumn } from '../../host-agent/src/vserverFormats/vpsContext';
import { formatVserverStatus, parseVserverStatus } from '../../host-agent/src/vserverFormats/vserverStatus';
import { fixture } from './fixtures';

const empty = { bits: 0n, mask: 0n };

describe('capability and flag lists', () => {
  it('accepts names with or without CAP_, in any case, with the kernel bit values', () => {
    expect(bitsOfName(BCAPS, 'CAP_NET_RAW')).toBe(1n << 13n);
    expect(bitsOfName(BCAPS, 'net_raw')).toBe(1n << 13n);
    expect(bitsOfName(CCAPS, 'raw_icmp')).toBe(0x100n);
    expect(bitsOfName(CCAPS, 'ping')).toBe(0x100n);
    expect(bitsOfName(CFLAGS, 'VXF_VIRT_UPTIME')).toBe(1n << 17n);
    expect(bitsOfName(CFLAGS, 'default')).toBe((1n << 17n) | (1n << 36n));
  });
  it('adds, removes with ! or ~, and takes ^bit, numbers, all and none', () => {
    expect(applyBitList(empty, 'CAP_NET_RAW,~CAP_CHOWN', BCAPS)).toEqual({ bits: 1n << 13n, mask: (1n << 13n) | 1n });
    expect(applyBitList(empty, '!!raw_icmp', CCAPS).bits).toBe(0x100n);
    expect(applyBitList(empty, '^12,0x2', CCAPS)).toEqual({ bits: 0x1002n, mask: 0x1002n });
    expect(applyBitList(empty, 'none', CFLAGS)).toEqual(empty);
    expect(applyBitList(empty, 'all,~sched_hard', CFLAGS).bits & (1n << 8n)).toBe(0n);
  });
  it('names the unknown word', () => {
    expect(() => applyBitList(empty, 'raw_icmp,teleport', CCAPS)).toThrow("unknown context capability 'teleport'");
    expect(() => applyBitList(empty, 'lock,', CFLAGS)).toThrow('empty context flag');
  });
  it('prints bits as vattribute does, letting a pseudo flag cover the remaining bits', () => {
    expect(namesOfBits(0x1000020010n, CFLAGS)).toEqual(['fakeinit', 'default']);
    expect(namesOfBits(0x101n | (1n << 40n), CCAPS)).toEqual(['set_utsname', 'raw_icmp', '^40']);
  });
});

describe('vlimit -a output', () => {
  it('reads hexadecimal and decimal listings alike', () => {
    const hex = fixture('commands/vlimit-a.40001.txt');
    const decimal = fixture('commands/vlimit-a-d.40001.txt');
    const entries = parseVlimitAll(hex);
    expect(entries[0]).toEqual({ resource: 'rss', min: null, soft: 49152, hard: 65536 });
    expect(entries[1]).toEqual({ resource: 'nproc', min: null, soft: 'inf', hard: 300 });
    expect(parseVlimitAll(decimal)).toEqual(entries);
  });
});

describe('limit values and unit conversions', () => {
  it('parses vlimit values like util-vserver', () => {
    expect(parseRlimitValue('inf')).toBe('inf');
    expect(parseRlimitValue('1234\n')).toBe(1234);
    expect(parseRlimitValue('1k')).toBe(1000);
    expect(parseRlimitValue('1K')).toBe(1024);
    expect(parseRlimitValue('1m')).toBe(1_000_000);
    expect(parseRlimitValue('1M')).toBe(1_048_576);
    expect(parseRlimitValue('0x10')).toBe(16);
    expect(parseRlimitValue('010')).toBe(8);
    expect(parseRlimitValue('-1')).toBe('inf');
    for (const bad of ['x', 'k', '1kX', '', '-5']) expect(() => parseRlimitValue(bad)).toThrow();
  });
  it('converts pages and bytes', () => {
    expect(pagesToBytes(65536)).toBe(268_435_456);
    expect(bytesToPages(268_435_456 + 100)).toBe(65536);
    expect(pagesToBytes(10, 65536)).toBe(655_360);
  });
  it('turns a token bucket into a CFS quota and back', () => {
    expect(cpuBucketToQuota({ fillRate: 1, interval: 4 }, 100_000)).toBe(25_000);
    expect(cpuBucketToQuota({ fillRate: 3, interval: 2 }, 100_000)).toBe(150_000);
    expect(cpuBucketToQuota({ fillRate: 1, interval: 1000 }, 100_000)).toBe(1000);
    expect(quotaToCpuBucket(25_000, 100_000)).toEqual({ fillRate: 1, interval: 4 });
    expect(() => cpuBucketToQuota({ fillRate: 0, interval: 4 })).toThrow(/fill-rate/);
  });
});

describe('vps CONTEXT column', () => {
  it('inserts xid and name after PID as vps does', () => {
    const contexts = new Map([[8102, 0], [8210, 49159], [8212, 49159], [8271, 1], [8272, 1]]);
    const out = insertContextColumn(fixture('commands/ps-ef.txt'), {
      xidOfPid: (pid) => contexts.get(pid),
      nameOfXid: (xid) => (xid === 49159 ? 'ns0' : undefined),
    });
    expect(out).toBe(fixture('commands/vps-ef.txt'));
    expect(out.split('\n')[2]?.split(/\s+/)).toEqual('root 8210 49159 ns0 5542 0 12:49 ? 00:00:00 sshd: root@pts/2'.split(' '));
  });
  it('prints ERR for a process whose context cannot be read', () => {
    const out = insertContextColumn('  PID CMD\n    7 init\n', { xidOfPid: () => undefined, nameOfXid: () => undefined });
    expect(out).toBe(`  PID CONTEXT             CMD\n    7   ERR               init\n`);
  });
});

describe('vserver NAME status', () => {
  it('reads the running report with minutes and with days', () => {
    expect(parseVserverStatus(fixture('commands/vserver-status.running.txt'), 0)).toEqual({ state: 'running', name: 'deb-vserv1', xid: 49159, processes: 2, uptimeMs: 29 * 60_000 });
    expect(parseVserverStatus(fixture('commands/vserver-status.running-days.txt'), 0)).toMatchObject({ xid: 40001, processes: 7, uptimeMs: (4 * 24 * 60 + 63) * 60_000 });
  });
  it('reads the stopped report and exit code 3', () => {
    expect(parseVserverStatus(fixture('commands/vserver-status.stopped.txt'), 3)).toEqual({ state: 'stopped', name: 'web2' });
  });
  it('prints the same lines util-vserver prints', () => {
    for (const file of ['running', 'running-days', 'stopped']) {
      const text = fixture(`commands/vserver-status.${file}.txt`);
      expect(formatVserverStatus(parseVserverStatus(text, file === 'stopped' ? 3 : 0))).toBe(text);
    }
  });
  it('refuses an unexpected answer, quoting it', () => {
    expect(() => parseVserverStatus('Can not find a vserver-setup', 5)).toThrow(/exited with code 5/);
  });
});
