// Runs one command on a host over an exec channel and collects its exit code and output.
import type { SshConnection } from './sshConnection';
import { HostError } from './sshErrors';

export interface RemoteResult {
  /** Exit code; null when the command was killed by a signal or the channel closed early. */
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

export interface RemoteRunOptions {
  stdin?: Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function runRemote(connection: SshConnection, argv: readonly string[], options: RemoteRunOptions = {}): Promise<RemoteResult> {
  const channel = await connection.exec(argv, options.signal ? { signal: options.signal } : {});
  return new Promise<RemoteResult>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let code: number | null = null;
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => { timedOut = true; channel.close(); }, options.timeoutMs)
      : undefined;
    channel.on('data', (chunk: Buffer) => stdout.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    channel.on('exit', (exitCode: number | null) => { code = exitCode; });
    channel.on('close', () => {
      if (timer) clearTimeout(timer);
      if (timedOut) {
        reject(new HostError(connection.name, `'${argv[0]}' did not finish within ${options.timeoutMs} ms`, 'unreachable'));
      } else if (options.signal?.aborted) {
        reject(new HostError(connection.name, `'${argv[0]}' was cancelled`));
      } else {
        resolve({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) });
      }
    });
    channel.end(options.stdin);
  });
}
