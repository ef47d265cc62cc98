// A command running inside a guest, spawned through the exec chain. With a tty, util-linux
// `script` holds the pty (one of the guest's own devpts, see PIVOT_INTO_GUEST); resize sets its
// size with `stty -F` on the guest program's terminal, and the kernel sends it SIGWINCH. A
// hang-up goes to the terminal's own session, since `script` ignores SIGHUP.
import { promises as fs } from 'node:fs';
import { constants } from 'node:os';
import type { GuestProcess } from '../../../driver';
import { runTool } from '../../../process/runTool';
import { spawn } from '../../../../../shared/node/lazyBuiltins';

const TERMINAL_WAIT_MS = 10_000;

export interface SpawnInGuest {
  argv: string[];
  env: Record<string, string>;
  /** stty, for resize; only with a tty. */
  stty?: string;
  /** Runs when the process has exited (removes the sync folder if the chain died early). */
  onExit: () => Promise<void>;
}

/** Unix98 pty slaves have major numbers 136..143, whichever devpts instance they belong to. */
function isPtySlave(rdev: number): boolean {
  const major = Math.floor(rdev / 256) & 0xfff;
  return major >= 136 && major <= 143;
}

async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await fs.readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(tasks.map((task) => fs.readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')));
  return lists.flatMap((list) => list.trim().split(/\s+/).filter(Boolean).map(Number));
}

/** The first descendant whose stdin is a pty: the terminal's session leader (script's child). */
async function terminalHolderOf(rootPid: number): Promise<number | undefined> {
  const queue = await childrenOf(rootPid);
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    const stdin = await fs.stat(`/proc/${pid}/fd/0`).catch(() => undefined);
    if (stdin?.isCharacterDevice() && isPtySlave(stdin.rdev)) return pid;
    queue.push(...(await childrenOf(pid)));
  }
  return undefined;
}

export function spawnInGuest(request: SpawnInGuest): GuestProcess {
  const [command = '', ...args] = request.argv;
  // Own process group: kill() reaches the whole chain and the guest program, nothing else.
  const child = spawn(command, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: request.env, cwd: '/' });
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  }).then(async (code) => {
    await request.onExit();
    return code;
  });
  const stty = request.stty;
  let holder: Promise<number | undefined> | undefined;
  /** The pty appears only once the chain has reached script's child; resizes and hang-ups before that wait for it. */
  const findHolder = async (): Promise<number | undefined> => {
    const deadline = Date.now() + TERMINAL_WAIT_MS;
    while (child.pid !== undefined && child.exitCode === null && Date.now() < deadline) {
      const found = await terminalHolderOf(child.pid);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return undefined;
  };
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  };
  /**
   * What closing a terminal does: the session leader on the pty gets SIGHUP, and its end makes the
   * kernel hang the terminal up for the guest's foreground job. script would ignore it.
   */
  const hangUp = async (): Promise<void> => {
    holder ??= findHolder();
    const pid = await holder;
    if (pid === undefined) signalGroup('SIGHUP');
    else if (child.exitCode === null) process.kill(pid, 'SIGHUP');
  };
  return {
    pid: child.pid ?? -1,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (signal === 'SIGHUP' && stty) void hangUp().catch(() => signalGroup('SIGHUP'));
      else signalGroup(signal);
    },
    resize: stty
      ? async (cols: number, rows: number) => {
        holder ??= findHolder();
        const pid = await holder;
        if (pid !== undefined) await runTool(stty, ['-F', `/proc/${pid}/fd/0`, 'cols', String(cols), 'rows', String(rows)]).catch(() => undefined);
      }
      : undefined,
  };
}
