// A command running inside a guest, spawned through the exec chain. With a tty it runs under
// util-linux `script`, which gives it a pseudo-terminal on the host side; resize sets the
// terminal's size with `stty -F` on that pty, and the kernel sends SIGWINCH to the guest program.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { constants } from 'node:os';
import type { GuestProcess } from '../../../driver';
import { runTool } from '../../../process/runTool';
import { ARGV_FROM_ENVIRONMENT } from '../launch/launcherScripts';

export interface SpawnInGuest {
  argv: string[];
  env: Record<string, string>;
  tty?: { script: string; sh: string; stty: string };
  /** Runs when the process has exited (removes the sync folder if the chain died early). */
  onExit: () => Promise<void>;
}

/** The argv under `script`: the chain travels in VFLEET_ARG_<i>, since script takes a single command string. */
function underScript(tty: NonNullable<SpawnInGuest['tty']>, argv: string[], env: Record<string, string>): { argv: string[]; env: Record<string, string> } {
  const carried: Record<string, string> = { VFLEET_ARGC: String(argv.length), SHELL: tty.sh };
  argv.forEach((word, index) => {
    carried[`VFLEET_ARG_${index}`] = word;
  });
  return { argv: [tty.script, '--quiet', '--return', '--command', ARGV_FROM_ENVIRONMENT, '/dev/null'], env: { ...env, ...carried } };
}

async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await fs.readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(tasks.map((task) => fs.readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')));
  return lists.flatMap((list) => list.trim().split(/\s+/).filter(Boolean).map(Number));
}

/** The pty `script` made: the terminal of the first descendant whose stdin is a /dev/pts device. */
async function ptyOf(rootPid: number): Promise<string | undefined> {
  const queue = await childrenOf(rootPid);
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    const stdin = await fs.readlink(`/proc/${pid}/fd/0`).catch(() => '');
    if (stdin.startsWith('/dev/pts/')) return stdin;
    queue.push(...(await childrenOf(pid)));
  }
  return undefined;
}

export function spawnInGuest(request: SpawnInGuest): GuestProcess {
  const { argv, env } = request.tty ? underScript(request.tty, request.argv, request.env) : { argv: request.argv, env: request.env };
  const [command = '', ...args] = argv;
  // Own process group: kill() reaches the whole chain and the guest program, nothing else.
  const child = spawn(command, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env, cwd: '/' });
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  }).then(async (code) => {
    await request.onExit();
    return code;
  });
  const tty = request.tty;
  return {
    pid: child.pid ?? -1,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    },
    resize: tty
      ? (cols: number, rows: number) => {
        if (child.pid === undefined) return;
        void ptyOf(child.pid).then((pty) => (pty ? runTool(tty.stty, ['-F', pty, 'cols', String(cols), 'rows', String(rows)]) : undefined)).catch(() => undefined);
      }
      : undefined,
  };
}
