// Runs a benchmark entry in a child Node with --expose-gc (a heap of its own, nothing of the bench
// runner's in it) and returns the JSON report of its last output line. A TypeScript entry runs
// through tsx; a bundled one (bundleEntry: the core as the app ships it, compiled ahead of time)
// runs in plain Node, without tsx's loader thread and transpiled sources in the memory weighed.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import type { CleanupStack } from '../benchCleanup';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..', '..');

/**
 * `entry` bundled as build/bundle-main.mjs bundles the app's main process (npm packages external,
 * Node 20), into a private folder below dist/ (so the packages resolve from the repository's
 * node_modules), removed by `cleanup`; returns the bundle's path.
 */
export async function bundleEntry(cleanup: CleanupStack, entry: string): Promise<string> {
  await mkdir(path.join(REPOSITORY, 'dist'), { recursive: true });
  const folder = await mkdtemp(path.join(REPOSITORY, 'dist', 'bench-'));
  cleanup.add(`bundle folder ${folder}`, () => rm(folder, { recursive: true, force: true }));
  const outfile = path.join(folder, `${path.basename(entry, '.ts')}.mjs`);
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning' });
  return outfile;
}

export function runReportingChild<T>(cleanup: CleanupStack, what: string, entry: string, args: string[]): Promise<T> {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, ['--expose-gc', ...loader, entry, ...args], { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'] });
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
