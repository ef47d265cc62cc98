// Backoff, the channel/connect semaphore and remote command quoting: the building blocks every
// SSH connection relies on.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../electron/core/ssh/backoff';
import { remoteCommand } from '../../electron/core/ssh/remoteCommand';
import { createSemaphore } from '../../electron/core/ssh/semaphore';

describe('reconnect backoff', () => {
  const policy = { initialMs: 100, maxMs: 5_000, jitter: 0.5 };

  it('doubles per attempt and stops growing at the maximum', () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([0, 1, 2, 3, 10].map((attempt) => backoffDelay(attempt, noJitter))).toEqual([100, 200, 400, 800, 5_000]);
  });

  it('spreads delays over the jitter range so hosts do not reconnect in lockstep', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(400);
    expect(backoffDelay(3, policy, () => 0.999999)).toBe(800);
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, policy)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(400);
  });
});

describe('semaphore', () => {
  it('never grants more than its limit and hands slots over in order', async () => {
    const semaphore = createSemaphore(2);
    const order: number[] = [];
    let concurrent = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 7 }, async (_, index) => {
      const release = await semaphore.acquire();
      concurrent += 1;
      peak = Math.max(peak, concurrent);
      order.push(index);
      await new Promise((resolve) => setTimeout(resolve, 5));
      concurrent -= 1;
      release();
    }));
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(semaphore.inUse).toBe(0);
  });

  it('drops a waiter whose signal aborts and keeps the slot for the next one', async () => {
    const semaphore = createSemaphore(1);
    const first = await semaphore.acquire();
    const controller = new AbortController();
    const abandoned = semaphore.acquire(controller.signal);
    const next = semaphore.acquire();
    controller.abort(new Error('user cancelled'));
    await expect(abandoned).rejects.toThrow('user cancelled');
    first();
    const release = await next;
    expect(semaphore.inUse).toBe(1);
    release();
    release();
    expect(semaphore.inUse).toBe(0);
  });
  it('takes a new limit live: a larger one lets waiters in at once, a smaller one admits nobody until holders are below it', async () => {
    const semaphore = createSemaphore(1);
    const holder = await semaphore.acquire();
    const granted: number[] = [];
    const waiters = [1, 2, 3].map((index) => semaphore.acquire().then((release) => { granted.push(index); return release; }));
    semaphore.setLimit(3);
    const [first, second] = await Promise.all([waiters[0], waiters[1]]);
    expect(granted).toEqual([1, 2]);
    expect(semaphore.inUse).toBe(3);
    expect(semaphore.waiting).toBe(1);
    semaphore.setLimit(1);
    holder();
    first?.();
    expect(semaphore.waiting).toBe(1);
    second?.();
    const third = await waiters[2];
    expect(granted).toEqual([1, 2, 3]);
    expect(semaphore.inUse).toBe(1);
    third?.();
    expect(() => semaphore.setLimit(0)).toThrow('a semaphore needs a positive limit, got 0');
  });
});

describe('remote command quoting', () => {
  it('passes every argument through a POSIX shell unchanged', () => {
    const argv = ['printf', '%s\\n', 'plain', 'two words', "it's", '$(touch /tmp/vfleet-pwned)', '`id`', '', '*', 'a\nb', '; rm -rf /'];
    const shell = spawnSync('/bin/sh', ['-c', remoteCommand(argv)], { encoding: 'utf8' });
    expect(shell.status).toBe(0);
    expect(shell.stdout).toBe(argv.slice(2).map((word) => `${word}\n`).join(''));
  });

  it('leaves simple words readable', () => {
    expect(remoteCommand(['node', '/var/lib/vfleet/agent/ab12/vfleet-agent.js', 'serve', '--stdio'])).toBe(
      'node /var/lib/vfleet/agent/ab12/vfleet-agent.js serve --stdio',
    );
  });
});
