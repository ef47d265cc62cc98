// The client's figure (test/migration/support/downtime.ts): the longest time without an answer,
// between answer times, whatever order the overlapping fetches started and ended in.
import { describe, expect, it } from 'vitest';
import { longestGapMs, parseClientLog } from './support/downtime';

const MS = 1_000_000n;

describe('the downtime client\'s log', () => {
  it('sorts fetches by start and counts a late answer at its answer time, not its start', () => {
    // Fetches every 20 ms; the one started at 40 ms hung 300 ms and was answered at 340 ms; 60..300 failed; 320 answered at 325.
    const log = [
      `${20n * MS} ok 0.005`,
      `${0n} ok 0.004`,
      `${60n * MS} fail`,
      `${40n * MS} ok 0.300`,
      'garbage line',
      `${320n * MS} ok 0.005`,
      `${300n * MS} fail`,
      `${340n * MS} ok 0.004`,
      '',
    ].join('\n');
    const samples = parseClientLog(log);
    expect(samples.map((sample) => sample.timeNs / MS)).toEqual([0n, 20n, 40n, 60n, 300n, 320n, 340n]);
    expect(samples.filter((sample) => !sample.ok).length).toBe(2);
    // Answers at 4, 25, 325, 340, 344 ms: the longest stretch without one is 25 -> 325.
    expect(longestGapMs(samples)).toBe(300);
  });

  it('is 0 with fewer than two answers', () => {
    expect(longestGapMs(parseClientLog(`${5n * MS} ok 0.001\n${9n * MS} fail\n`))).toBe(0);
  });
});
