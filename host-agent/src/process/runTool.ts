// Runs a host tool with an argv array (never a shell string) and collects its output; a non-zero
// exit becomes an error quoting the tool's own message. A tool run with a signal gets a process
// group of its own, so a cancel stops it and everything it started (debootstrap's dpkg, tar's
// gzip, rsync's receiver), and the promise settles only once they are gone. That group is a
// session of its own, without a controlling terminal: an ssh under rsync cannot prompt, so an
// rsync source HOST:/PATH needs a key and a known host key, as it always does under the fleet core.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { signalIgnoringGone } from '../drivers/namespaces/runtime/signalProcess';
import { absolutePathEntries, HOST_PATH } from './hostEnvironment';
import { spawn } from '../../../shared/node/lazyBuiltins';

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
  /**
   * Aborting sends SIGTERM to the tool's process group (SIGKILL after CANCEL_GRACE_MS), SIGKILL to
   * whatever of the group outlives the tool, and rejects with a "cancelled" error after that.
   */
  signal?: AbortSignal;
  /** Open descriptors handed to the tool as its fds 3, 4, ... (e.g. a directory to work in). */
  fds?: number[];
}

const MAX_CAPTURE = 4 * 1024 * 1024;
/** How long a cancelled tool has to end on SIGTERM before its group is killed. */
const CANCEL_GRACE_MS = 3_000;

/** Signals a process group; a group already gone is no error. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  signalIgnoringGone(-pgid, signal);
}

export function runTool(command: string, args: string[], options: RunToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(new Error(`${command} was cancelled`));
      return;
    }
    const stdio: Array<'pipe' | number> = ['pipe', 'pipe', 'pipe', ...(options.fds ?? [])];
    // detached: a process group (and session) of its own, the handle a cancel kills as a whole.
    const child = spawn(command, args, { cwd: options.cwd, stdio, detached: signal !== undefined }) as ChildProcessWithoutNullStreams;
    let cancelled = false;
    let escalation: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      cancelled = true;
      signalGroup(child.pid, 'SIGTERM');
      escalation = setTimeout(() => signalGroup(child.pid ?? 0, 'SIGKILL'), CANCEL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settled = (): void => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(escalation);
    };
    // A cancelled tool is gone: what it started in its group goes too (and closes the pipes it holds), before anyone cleans up after it.
    child.on('exit', () => {
      if (cancelled && child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_CAPTURE) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_CAPTURE) stderr += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      settled();
      reject(new Error(error.code === 'ENOENT' ? `the tool '${command}' is not installed on this host` : `${command} failed to start: ${error.message}`));
    });
    child.on('close', (code, killedBy) => {
      settled();
      if (cancelled) {
        reject(new Error(`${command} was cancelled`));
        return;
      }
      const exitCode = code ?? 128;
      if (exitCode === 0 || options.allowCodes?.includes(exitCode)) {
        resolvePromise({ stdout, stderr, code: exitCode });
        return;
      }
      const reason = killedBy ? `was killed by ${killedBy}` : `exited with code ${exitCode}`;
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
