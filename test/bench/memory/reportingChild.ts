// Runs a benchmark entry in a child Node with --expose-gc (a heap of its own, nothing of the bench
// runner's in it) and returns the JSON report of its last output line.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { CleanupStack } from '../benchCleanup';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..', '..');

export function runReportingChild<T>(cleanup: CleanupStack, what: string, entry: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', entry, ...args], { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'] });
  const stopChild = cleanup.add(`${what} process ${child.pid ?? '?'}`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`cannot start the ${what} process: ${error.message}`)));
    child.on('close', (code, signal) => {
      void stopChild.run();
      if (code !== 0) {
        reject(new Error(`the ${what} process ended with ${signal ?? `exit code ${code}`}: ${Buffer.concat(stderr).toString('utf8').trim()}`));
        return;
      }
      const line = Buffer.concat(stdout).toString('utf8').trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`the ${what} process printed no report: ${line || Buffer.concat(stderr).toString('utf8').trim()}`));
      }
    });
  });
}
