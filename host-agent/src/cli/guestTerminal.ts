// exec and enter on the admin's terminal: stdin, stdout, stderr and the exit code passed
// through; with a tty the terminal goes raw and follows window size changes.
import { finished } from 'node:stream/promises';
import type { GuestProcess } from '../driver';

async function outputDrained(guestProcess: GuestProcess): Promise<void> {
  await Promise.all([guestProcess.stdout, guestProcess.stderr].map((stream) => finished(stream).catch(() => undefined)));
}

export async function attachTerminal(guestProcess: GuestProcess, tty: boolean): Promise<number> {
  const input = process.stdin;
  const rawMode = tty && input.isTTY;
  if (rawMode) input.setRawMode(true);
  const resize = (): void => {
    if (process.stdout.columns && process.stdout.rows) void guestProcess.resize?.(process.stdout.columns, process.stdout.rows);
  };
  if (tty) {
    resize();
    process.stdout.on('resize', resize);
  }
  input.pipe(guestProcess.stdin as NodeJS.WritableStream);
  guestProcess.stdout.pipe(process.stdout, { end: false });
  guestProcess.stderr.pipe(process.stderr, { end: false });
  try {
    const code = await guestProcess.exited;
    await outputDrained(guestProcess);
    return code;
  } finally {
    input.unpipe();
    input.pause();
    if (rawMode) input.setRawMode(false);
    process.stdout.off('resize', resize);
  }
}

/** exec --json: the whole output and the exit code as one JSON document. */
export async function collectOutput(guestProcess: GuestProcess): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  guestProcess.stdout.on('data', (chunk: Buffer) => chunks.stdout.push(Buffer.from(chunk)));
  guestProcess.stderr.on('data', (chunk: Buffer) => chunks.stderr.push(Buffer.from(chunk)));
  process.stdin.pipe(guestProcess.stdin as NodeJS.WritableStream);
  const exitCode = await guestProcess.exited;
  await outputDrained(guestProcess);
  process.stdin.unpipe();
  process.stdin.pause();
  return { exitCode, stdout: Buffer.concat(chunks.stdout).toString('utf8'), stderr: Buffer.concat(chunks.stderr).toString('utf8') };
}
