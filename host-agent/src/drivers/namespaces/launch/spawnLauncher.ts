// Spawns the start chain detached from the agent (own session, stdio to the guest's console log),
// so the guest survives the agent's exit, a closed SSH session or a crashed agent; then waits
// until PID 1 has pivoted into the guest root and exec'd the guest's init. A cancel kills the
// chain's process group (the driver then removes the guest's cgroup and everything in it).
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { readPidFile, liveIdentity, type ProcessIdentity } from '../runtime/initProcess';
import { HOST_PATH } from '../../../process/hostEnvironment';
import { signalIgnoringGone } from '../runtime/signalProcess';
import { spawn } from '../../../../../shared/node/lazyBuiltins';

const READY_TIMEOUT_MS = 20_000;

export interface LaunchedGuest {
  init: ProcessIdentity;
  keeper: ProcessIdentity;
}

async function rootIdentity(path: string): Promise<string | undefined> {
  return fs.stat(path).then((stat) => `${stat.dev}:${stat.ino}`, () => undefined);
}

/** Still in a launcher stage: one of its argv words is a "vfleet-<stage>" marker. */
async function inLauncherStage(pid: number): Promise<boolean> {
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').some((word) => /^vfleet-(prepare|pivot|stopper)$/.test(word));
}

/** Starts the chain; resolves with its exit code should it end before the guest is up. */
function spawnDetached(argv: string[], logFd: number): { pid: number | undefined; exited: Promise<number> } {
  const [command = '', ...args] = argv;
  const child = spawn(command, args, { detached: true, stdio: ['ignore', logFd, logFd], cwd: '/', env: { PATH: HOST_PATH, HOME: '/root', TERM: 'linux' } });
  child.unref();
  return {
    pid: child.pid,
    exited: new Promise((resolve) => {
      child.on('error', () => resolve(127));
      child.on('exit', (code) => resolve(code ?? 128));
    }),
  };
}

export async function launchGuest(argv: string[], pidFile: string, consoleLog: string, rootDir: string, signal?: AbortSignal): Promise<LaunchedGuest> {
  const log = await fs.open(consoleLog, 'a');
  let exitCode: number | undefined;
  let chainGroup: number | undefined;
  try {
    const chain = spawnDetached(argv, log.fd);
    chainGroup = chain.pid;
    chain.exited.then((code) => {
      exitCode = code;
    }, () => undefined);
  } finally {
    await log.close();
  }
  const guestRoot = await rootIdentity(rootDir);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (signal?.aborted) {
      // The chain's own group (whatever has not yet joined the guest's cgroup); the cgroup goes next, in the driver.
      if (chainGroup !== undefined) signalIgnoringGone(-chainGroup, 'SIGKILL');
      throw new Error('the start was cancelled');
    }
    const recorded = await readPidFile(pidFile);
    if (recorded) {
      const init = await liveIdentity(recorded.init);
      const keeper = await liveIdentity(recorded.keeper);
      if (!init || !keeper) throw new Error('the guest\'s init exited during start');
      if ((await rootIdentity(`/proc/${init.pid}/root/`)) === guestRoot && !(await inLauncherStage(init.pid))) return { init, keeper };
    } else if (exitCode !== undefined) {
      throw new Error(`the launcher failed before the guest's init started (exit code ${exitCode})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the guest's init did not come up within ${READY_TIMEOUT_MS / 1000} s`);
}

/** The line the driver writes to the console log before each start. */
export const CONSOLE_START_MARK = '--- vfleet: starting';

/** How much of the console log's end a failed start reads for its message. */
const CONSOLE_TAIL_BYTES = 64 * 1024;

/**
 * Starts a new part of the console log for a start: the log moves to log.1 first when it is
 * already past `maxBytes` (the keeper does the same while the guest runs). Returns its size.
 */
export async function markConsoleStart(consoleLog: string, guest: string, maxBytes: number): Promise<number> {
  await fs.mkdir(dirname(consoleLog), { recursive: true });
  const size = await fs.stat(consoleLog).then((stat) => stat.size, () => 0);
  if (size > maxBytes) await fs.rename(consoleLog, `${consoleLog}.1`);
  await fs.appendFile(consoleLog, `${CONSOLE_START_MARK} ${guest} at ${new Date().toISOString()}\n`);
  return fs.stat(consoleLog).then((stat) => stat.size);
}

/** The last lines the console log got since the latest start, for error messages; reads only its end. */
export async function consoleTail(consoleLog: string, lines = 5): Promise<string> {
  const text = await readEnd(consoleLog, CONSOLE_TAIL_BYTES).catch(() => '');
  const mark = text.lastIndexOf(CONSOLE_START_MARK);
  const sinceStart = mark === -1 ? text : text.slice(mark).split('\n').slice(1).join('\n');
  return sinceStart.trim().split('\n').slice(-lines).join(' / ');
}

async function readEnd(path: string, bytes: number): Promise<string> {
  const file = await fs.open(path, 'r');
  try {
    const { size } = await file.stat();
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    await file.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await file.close();
  }
}
