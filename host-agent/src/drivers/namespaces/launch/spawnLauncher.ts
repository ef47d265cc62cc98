// Spawns the start chain detached from the agent (own session, stdio to the guest's console log),
// so the guest survives the agent's exit, a closed SSH session or a crashed agent; then waits
// until PID 1 has pivoted into the guest root and exec'd the guest's init.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { LAUNCH_PATH } from './hostTools';

const READY_TIMEOUT_MS = 20_000;

export interface LaunchedInit {
  pid: number;
}

async function rootIdentity(path: string): Promise<string | undefined> {
  return fs.stat(path).then((stat) => `${stat.dev}:${stat.ino}`, () => undefined);
}

/** The spawned chain's first process exits once it has forked PID 1 and written its pid. */
function runToExit(argv: string[], consoleLog: string): Promise<number> {
  return fs.open(consoleLog, 'a').then((log) => new Promise<number>((resolve, reject) => {
    const [command = '', ...args] = argv;
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      cwd: '/',
      env: { PATH: LAUNCH_PATH, HOME: '/root', TERM: 'linux' },
    });
    child.on('error', (error) => {
      void log.close();
      reject(error);
    });
    child.on('exit', (code, signal) => {
      void log.close();
      resolve(code ?? 128 + (signal ? 1 : 0));
    });
  }));
}

/** Still in a launcher stage: one of its argv words is a "vfleet-<stage>" marker. */
async function inLauncherStage(pid: number): Promise<boolean> {
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').some((word) => /^vfleet-(prepare|pivot|stopper)$/.test(word));
}

async function isAlive(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/\) Z /.test(stat);
}

export async function launchInit(argv: string[], pidFile: string, consoleLog: string, rootDir: string): Promise<LaunchedInit> {
  const code = await runToExit(argv, consoleLog);
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (code !== 0 || !Number.isInteger(pid) || pid <= 0) throw new Error(`the launcher failed before the guest's init started (exit code ${code})`);
  const guestRoot = await rootIdentity(rootDir);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) throw new Error('the guest\'s init exited during start');
    if ((await rootIdentity(`/proc/${pid}/root/`)) === guestRoot && !(await inLauncherStage(pid))) return { pid };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the guest's init did not come up within ${READY_TIMEOUT_MS / 1000} s`);
}

/** The last lines of the console log, for error messages. */
export async function consoleTail(consoleLog: string, lines = 5): Promise<string> {
  const text = await fs.readFile(consoleLog, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-lines).join(' / ');
}
