// Runs a host tool with an argv array (never a shell string) and collects its output; a non-zero
// exit becomes an error quoting the tool's own message.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { absolutePathEntries, HOST_PATH } from './hostEnvironment';

export interface ToolResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunToolOptions {
  /** Accept these exit codes besides 0 instead of failing. */
  allowCodes?: number[];
  input?: string;
  cwd?: string;
  /** Aborting kills the tool (SIGTERM) and rejects with a "cancelled" error. */
  signal?: AbortSignal;
}

const MAX_CAPTURE = 4 * 1024 * 1024;

export function runTool(command: string, args: string[], options: RunToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_CAPTURE) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_CAPTURE) stderr += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.name === 'AbortError') {
        reject(new Error(`${command} was cancelled`));
        return;
      }
      reject(new Error(error.code === 'ENOENT' ? `the tool '${command}' is not installed on this host` : `${command} failed to start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      const exitCode = code ?? 128;
      if (exitCode === 0 || options.allowCodes?.includes(exitCode)) {
        resolvePromise({ stdout, stderr, code: exitCode });
        return;
      }
      const reason = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
      const detail = stderr.trim().split('\n').slice(-3).join(' / ');
      reject(new Error(`${command} ${reason}${detail ? `: ${detail}` : ''}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** The absolute path of an executable in the host's directories (HOST_PATH, or `path`'s absolute entries), if any. */
export function findExecutable(name: string, path = HOST_PATH): string | undefined {
  for (const directory of absolutePathEntries(path)) {
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}
