// The agent's kept descriptors for kernel counters (host/kernelFiles.ts): a kept descriptor reads
// the file's text as it is now, a process that exits reads as gone, and the descriptors not read
// since the last release are closed. Real /proc of real child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readProcMemory } from '../../host-agent/src/drivers/namespaces/runtime/procStat';
import { readKernelCounter, readRuntimeFile, releaseIdleKernelFiles } from '../../host-agent/src/host/kernelFiles';

const children: ChildProcess[] = [];

/** A `sleep` child once it has exec'd and sleeps (read without the kept descriptors, so the counts below start clean). */
async function sleeper(): Promise<ChildProcess> {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  children.push(child);
  await until(() => {
    try {
      return / \(sleep\) S /.test(readFileSync(`/proc/${child.pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  });
  return child;
}

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  releaseIdleKernelFiles();
  releaseIdleKernelFiles();
});

describe('kernel counters through kept descriptors', () => {
  it('reads what the file says now, not what it said when it was opened', async () => {
    const child = await sleeper();
    const status = `/proc/${child.pid}/status`;
    expect(readKernelCounter(status)).toMatch(/^State:\s+S \(sleeping\)$/m);
    const before = openDescriptors();
    child.kill('SIGSTOP');
    await until(() => /^State:\s+T/m.test(readKernelCounter(status) ?? ''));
    expect(readKernelCounter(status)).toMatch(/^State:\s+T \(stopped\)$/m);
    // The reads after the first went through the one kept descriptor.
    expect(openDescriptors()).toBe(before);
  });

  it('reads a process that exited as gone, and keeps nothing of it', async () => {
    const child = await sleeper();
    const stat = `/proc/${child.pid}/stat`;
    expect(readKernelCounter(stat)?.startsWith(`${child.pid} (sleep) `)).toBe(true);
    const withIt = openDescriptors();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(readKernelCounter(stat)).toBeUndefined();
    expect(openDescriptors()).toBe(withIt - 1);
  });

  it('closes the descriptors not read since the previous release', async () => {
    const child = await sleeper();
    releaseIdleKernelFiles();
    releaseIdleKernelFiles();
    const none = openDescriptors();
    readKernelCounter(`/proc/${child.pid}/stat`);
    readKernelCounter(`/proc/${child.pid}/status`);
    expect(openDescriptors()).toBe(none + 2);
    releaseIdleKernelFiles();
    readKernelCounter(`/proc/${child.pid}/stat`);
    expect(openDescriptors()).toBe(none + 2);
    releaseIdleKernelFiles();
    expect(openDescriptors()).toBe(none + 1);
    releaseIdleKernelFiles();
    expect(openDescriptors()).toBe(none);
  });

  it('reads a file that does not exist as undefined and keeps nothing', () => {
    const none = openDescriptors();
    expect(readKernelCounter('/proc/self/no-such-counter')).toBeUndefined();
    expect(openDescriptors()).toBe(none);
  });

  it('reads from statm the VSZ and RSS that status prints (VmSize, VmRSS), in bytes', async () => {
    const sleepers = [await sleeper(), await sleeper()];
    for (const child of sleepers) {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kilobytes = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1]);
      const memory = readProcMemory(child.pid as number);
      expect(memory).toEqual({ vszBytes: kilobytes('VmSize') * 1024, rssBytes: kilobytes('VmRSS') * 1024 });
      expect(memory?.rssBytes).toBeGreaterThan(0);
    }
    const gone = sleepers[0] as ChildProcess;
    const exited = new Promise((resolve) => gone.once('exit', resolve));
    gone.kill('SIGKILL');
    await exited;
    expect(readProcMemory(gone.pid as number)).toBeUndefined();
  });
});

describe('a pid file read again only when it changed', () => {
  it('sees a replacement by rename, a rewrite in place of the same size, and a removal', () => {
    const folder = mkdtempSync(join(tmpdir(), 'vfleet-runtime-file-'));
    try {
      const pidFile = join(folder, 'init.pid');
      writeFileSync(pidFile, '812 811\n');
      expect(readRuntimeFile(pidFile)).toBe('812 811\n');
      expect(readRuntimeFile(pidFile)).toBe('812 811\n');
      // As writePidFile does: a temporary file renamed over it (another inode).
      writeFileSync(`${pidFile}.tmp`, '812 98765 811 98760\n');
      renameSync(`${pidFile}.tmp`, pidFile);
      expect(readRuntimeFile(pidFile)).toBe('812 98765 811 98760\n');
      // Rewritten in place with text of the same length, its times set back to what they were: the change time still moves.
      const before = readFileSync(pidFile);
      writeFileSync(pidFile, '913 98765 811 98760\n');
      expect(readFileSync(pidFile).length).toBe(before.length);
      utimesSync(pidFile, new Date(0), new Date(0));
      expect(readRuntimeFile(pidFile)).toBe('913 98765 811 98760\n');
      rmSync(pidFile);
      expect(readRuntimeFile(pidFile)).toBeUndefined();
      writeFileSync(pidFile, '1000 999\n');
      expect(readRuntimeFile(pidFile)).toBe('1000 999\n');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
