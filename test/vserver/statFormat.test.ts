import { describe, expect, it } from 'vitest';
import { shortenMem, expandShortMem } from '../../shared/vserver/shortenMem';
import { shortenTime, expandShortTime } from '../../shared/vserver/shortenTime';
import { formatStatTable, parseStatTable, STAT_HEADER } from '../../shared/vserver/statTable';
import { fixture } from './fixtures';

const DAY = 24 * 60 * 60 * 1000;

describe('shortenTime (vserver-stat time cells)', () => {
  it('keeps only the first two digits of the milliseconds, so 6690 and 6069 ms print alike', () => {
    expect(shortenTime(6690)).toBe('0m06s69');
    expect(shortenTime(6069)).toBe('0m06s69');
    expect(shortenTime(6005)).toBe('0m06s05');
  });
  it('switches to hours, days and years with two-digit subfields', () => {
    expect(shortenTime(8_757_000)).toBe('2h25m57');
    expect(shortenTime(4 * DAY + 63 * 60_000)).toBe('4d01h03');
    expect(shortenTime(1200 * DAY + 5 * 3_600_000)).toBe('3y10d05');
    expect(shortenTime(999 * 1000 * DAY)).toBe('INVALID');
  });
  it('expands a printed time to the smallest value that prints the same', () => {
    for (const text of ['0m06s69', '0m06s05', '0m00s00', '2h25m57', '4d01h03', '3y10d05', '29m09s20', '7m39s14']) {
      expect(shortenTime(expandShortTime(text))).toBe(text);
    }
    expect(expandShortTime('0m06s69')).toBe(6069);
    expect(() => expandShortTime('5x')).toThrow(/not a vserver-stat time/);
  });
});

describe('shortenMem (vserver-stat VSZ and RSS cells)', () => {
  it('divides by 1024 while the value is 1000 or more and keeps one decimal of the last step', () => {
    expect(shortenMem(1_500_000)).toBe('1.4M');
    expect(shortenMem(1000)).toBe('0.9K');
    expect(shortenMem(512)).toBe('512 ');
    expect(shortenMem(1024 * 1024)).toBe('1M');
  });
  it('expands a printed size to the smallest byte count that prints the same', () => {
    for (const text of ['1.4M', '0.9K', '512 ', '1.1G', '101.1M', '14.8M', '1M']) {
      expect(shortenMem(expandShortMem(text))).toBe(text);
    }
    expect(expandShortMem('0.9K')).toBe(1000);
  });
});

describe('vserver-stat table', () => {
  const recorded = fixture('vserver-stat.dm.txt');

  it('round-trips the recorded Debian host output byte for byte', () => {
    expect(formatStatTable(parseStatTable(recorded))).toBe(recorded);
  });

  it('reads names with spaces and the host row', () => {
    const rows = parseStatTable(recorded);
    expect(rows.map((row) => [row.xid, row.processes, row.name])).toEqual([
      [0, 71, 'root server'],
      [49159, 2, 'deb-vserv1'],
      [49163, 2, 'deb-vserv2'],
    ]);
    expect(rows[1]?.uptimeMs).toBe((29 * 60 + 9) * 1000 + 20);
  });

  it('prints the exact header, sorts by context id, names contexts 0 and 1 and cuts names at 20', () => {
    const text = formatStatTable([
      { xid: 40001, processes: 7, vszBytes: 100_425_728, rssBytes: 12_767_232, userMs: 152_200, sysMs: 40_870, uptimeMs: 400_000, name: 'a-guest-name-longer-than-twenty' },
      { xid: 0, processes: 120, vszBytes: 2_000_000_000, rssBytes: 300_000_000, userMs: 9_000_000, sysMs: 600_000, uptimeMs: 90_000_000, name: 'ignored' },
    ]);
    expect(text.split('\n')).toEqual([
      STAT_HEADER,
      '0      120   1.8G 286.1M   2h30m00  10m00s00   1d01h00 root server',
      '40001    7  95.7M  12.1M   2m32s20   0m40s87   6m40s00 a-guest-name-longer-',
      '',
    ]);
  });
});
