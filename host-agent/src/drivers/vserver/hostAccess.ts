// The driver's only ways to touch the host: running util-vserver commands and reading or writing
// kernel files. Both are injected, so tests replay recorded outputs and files.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { GuestProcess } from '../../driver';
import { spawn } from '../../../../shared/node/lazyBuiltins';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  /** Runs argv to completion (argv[0] looked up in PATH, never through a shell). */
  run(argv: readonly string[]): Promise<CommandResult>;
  /** Starts argv with piped stdio for exec/enter. */
  spawn(argv: readonly string[]): GuestProcess;
}

export interface HostFiles {
  /** The file's text, or undefined when it does not exist (a context that is gone). */
  read(path: string): Promise<string | undefined>;
  /** Entry names of a directory, or undefined when it does not exist. */
  list(path: string): Promise<string[] | undefined>;
  write(path: string, content: string): Promise<void>;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ESRCH';
}

/** Host files under `root` ("/" on a real host; a recorded tree in tests). */
export function hostFilesUnder(root: string): HostFiles {
  return {
    async read(path) {
      try {
        return await readFile(join(root, path), 'utf8');
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async list(path) {
      try {
        return await readdir(join(root, path));
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async write(path, content) {
      await writeFile(join(root, path), content);
    },
  };
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 0 : constants.signals[signal]);
}

export const spawnCommandRunner: CommandRunner = {
  run(argv) {
    return new Promise((resolve, reject) => {
      const [command, ...args] = argv;
      if (command === undefined) throw new Error('empty command line');
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(error.code === 'ENOENT' ? `the util-vserver command '${command}' is not installed on this host` : `${command} could not start: ${error.message}`)));
      child.on('close', (code, signal) => resolve({ exitCode: exitCodeOf(code, signal), stdout, stderr }));
    });
  },
  spawn(argv) {
    const [command, ...args] = argv;
    if (command === undefined) throw new Error('empty command line');
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(exitCodeOf(code, signal)));
    });
    return {
      pid: child.pid ?? 0,
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      exited,
      kill: (signal) => void child.kill(signal),
    };
  },
};
