// `npm start`: the desktop app where Electron can run (its binary present, and a display: macOS,
// Windows, or DISPLAY / WAYLAND_DISPLAY on Linux), otherwise browser mode (`vfleet ui`, which
// prints the address to open), saying why. Arguments after `npm start --` go to either.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { electronBinary } from './electronBinary.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * What to run. `binary` is electronBinary()'s answer.
 * @returns {{ mode: 'desktop' | 'browser', command: string, args: string[], notice?: string }}
 */
export function launchPlan({ platform, env, uid, binary, args = [], node = process.execPath }) {
  const hasDisplay = platform === 'darwin' || platform === 'win32' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  const why = 'missing' in binary ? binary.missing : hasDisplay ? undefined : 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  if (why === undefined) {
    // Chromium refuses to run as root with its OS sandbox; the page stays sandboxed by Electron (sandbox: true).
    const asRoot = platform === 'linux' && uid === 0;
    return {
      mode: 'desktop',
      command: binary.path,
      args: [ROOT, ...(asRoot ? ['--no-sandbox'] : []), ...args],
      ...(asRoot ? { notice: "vfleet: running as root: Chromium's OS sandbox is off (--no-sandbox)" } : {}),
    };
  }
  return {
    mode: 'browser',
    command: node,
    args: [path.join(ROOT, 'dist', 'cli', 'vfleet.cjs'), 'ui', ...args],
    notice: `vfleet: not opening the desktop app: ${why}. Starting browser mode instead.`,
  };
}

/**
 * Runs the plan, passing Ctrl-C, termination and hang-up on; resolves with its exit code. The child has a
 * process group of its own, so a Ctrl-C in the terminal reaches it once, from here (twice, the
 * second would end it before it closed).
 */
export function runPlan(plan, { stdio = 'inherit' } = {}) {
  if (plan.notice) console.error(plan.notice);
  const child = spawn(plan.command, plan.args, { cwd: ROOT, stdio, detached: process.platform !== 'win32' });
  const forward = (signal) => child.kill(signal);
  // SIGHUP too: a closed terminal hangs up its foreground group only, which the child is not in.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const name of signals) process.on(name, forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const name of signals) process.off(name, forward);
      resolve(code ?? 128 + (constants.signals[signal] ?? 0));
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const plan = launchPlan({ platform: process.platform, env: process.env, uid: process.getuid?.(), binary: electronBinary(), args: process.argv.slice(2) });
  process.exitCode = await runPlan(plan);
}
