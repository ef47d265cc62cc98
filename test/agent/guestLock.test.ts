import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../shared/protocol/envelope';
import { GuestLocks } from '../../host-agent/src/locks/guestLock';

const REPO = join(__dirname, '..', '..');
const HELPER = join(__dirname, 'support', 'holdGuestLock.mts');
const RACER = join(__dirname, 'support', 'raceGuestLock.mts');
let locksDir: string;
const children: ChildProcessWithoutNullStreams[] = [];

function startHolder(guest: string): { child: ChildProcessWithoutNullStreams; firstLine: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', HELPER, locksDir, guest], { cwd: REPO });
  children.push(child);
  const firstLine = new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.includes('\n')) resolve(buffered.split('\n')[0] ?? '');
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code} before answering`)));
  });
  return { child, firstLine };
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

beforeAll(async () => {
  locksDir = await mkdtemp(join(tmpdir(), 'vfleet-locks-'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(locksDir, { recursive: true, force: true });
});

describe('per-guest locks between processes', () => {
  it('gives the second process a busy error naming the guest and the holder', async () => {
    const first = startHolder('web1');
    expect(await first.firstLine).toBe('held');
    const second = startHolder('web1');
    const answer = JSON.parse(await second.firstLine) as { code: number; message: string };
    expect(answer.code).toBe(ERROR_CODES.busy);
    expect(answer.message).toContain("guest 'web1'");
    expect(answer.message).toContain(`agent process ${first.child.pid}`);
    expect(await exitOf(second.child)).toBe(3);
    // Another guest is not blocked by it.
    const other = startHolder('web2');
    expect(await other.firstLine).toBe('held');
    other.child.stdin.end();
    expect(await exitOf(other.child)).toBe(0);
    // Released on a clean end: the lock can be taken again.
    first.child.stdin.end();
    expect(await exitOf(first.child)).toBe(0);
    const lock = await new GuestLocks(locksDir).acquire('web1', 'after release');
    await lock.release();
  });

  it('takes over a lock whose holder was killed (stale lock)', async () => {
    const holder = startHolder('db1');
    expect(await holder.firstLine).toBe('held');
    holder.child.kill('SIGKILL');
    await exitOf(holder.child);
    const [stale] = await readdir(join(locksDir, 'db1.locks'));
    const lock = await new GuestLocks(locksDir).acquire('db1', 'after crash');
    const [taken] = await readdir(join(locksDir, 'db1.locks'));
    // Entry names start with the time of taking, so the new one sorts after the dead holder's (which is gone).
    expect(taken! > stale!).toBe(true);
    expect(JSON.parse(await readFile(join(locksDir, 'db1.locks', taken!), 'utf8'))).toMatchObject({ pid: process.pid, operation: 'after crash' });
    await lock.release();
    expect(await readdir(locksDir)).not.toContain('db1.locks');
  });

  it('lets at most one of many processes racing for a stale lock hold it at any time', async () => {
    const holder = startHolder('race1');
    expect(await holder.firstLine).toBe('held');
    holder.child.kill('SIGKILL');
    await exitOf(holder.child);
    const log = join(locksDir, 'race1.log');
    const startAt = String(Date.now() + 4_000);
    const racers = Array.from({ length: 16 }, () => spawn(process.execPath, ['--import', 'tsx', RACER, locksDir, 'race1', log, startAt], { cwd: REPO }));
    children.push(...racers);
    const exits = await Promise.all(racers.map((racer) => exitOf(racer)));
    expect(exits.every((code) => code === 0)).toBe(true);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2 * racers.length);
    // Each holder leaves before the next enters: enter A, leave A, enter B, leave B, ...
    for (let index = 0; index < lines.length; index += 2) {
      const [enter, leave] = [lines[index]!.split(' '), lines[index + 1]!.split(' ')];
      expect(`${enter[0]} then ${leave[0]}`, lines.join(', ')).toBe('enter then leave');
      expect(leave[1]).toBe(enter[1]);
    }
  }, 60_000);

  it('refuses a second acquisition inside one process too', async () => {
    const locks = new GuestLocks(locksDir);
    const lock = await locks.acquire('app', 'first');
    await expect(locks.acquire('app', 'second')).rejects.toMatchObject({ code: ERROR_CODES.busy });
    await lock.release();
  });
});
