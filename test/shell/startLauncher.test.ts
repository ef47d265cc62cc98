// `npm start`'s choice (build/start.mjs): the desktop app where Electron can run, browser mode
// otherwise, with the reason printed; and the binary lookup both it and the desktop test use.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ElectronBinary } from '../../build/electronBinary.mjs';
import { launchPlan } from '../../build/start.mjs';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
const present = { path: '/opt/electron/electron' };
const cli = path.join(root, 'dist', 'cli', 'vfleet.cjs');

describe('npm start', () => {
  it('opens the desktop app with a binary and a display', () => {
    expect(launchPlan({ platform: 'linux', env: { DISPLAY: ':0' }, uid: 1000, binary: present, args: ['--trace-warnings'] }))
      .toEqual({ mode: 'desktop', command: '/opt/electron/electron', args: [root, '--trace-warnings'] });
    expect(launchPlan({ platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' }, uid: 1000, binary: present }).mode).toBe('desktop');
    expect(launchPlan({ platform: 'darwin', env: {}, uid: 501, binary: present }).mode).toBe('desktop');
    expect(launchPlan({ platform: 'win32', env: {}, uid: undefined, binary: present }).mode).toBe('desktop');
  });

  it("as root on Linux, turns Chromium's OS sandbox off and says so", () => {
    const plan = launchPlan({ platform: 'linux', env: { DISPLAY: ':0' }, uid: 0, binary: present });
    expect(plan.args).toEqual([root, '--no-sandbox']);
    expect(plan.notice).toMatch(/running as root: Chromium's OS sandbox is off/);
  });

  it('starts browser mode without a display, saying why', () => {
    expect(launchPlan({ platform: 'linux', env: { DISPLAY: '' }, uid: 0, binary: present, node: '/usr/bin/node', args: ['--port', '0'] })).toEqual({
      mode: 'browser',
      command: '/usr/bin/node',
      args: [cli, 'ui', '--port', '0'],
      notice: 'vfleet: not opening the desktop app: there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set). Starting browser mode instead.',
    });
  });

  it('starts browser mode without the Electron binary, even with a display', () => {
    const plan = launchPlan({ platform: 'linux', env: { DISPLAY: ':0' }, uid: 1000, binary: { missing: 'there is no Electron binary at /x' } });
    expect(plan.mode).toBe('browser');
    expect(plan.notice).toBe('vfleet: not opening the desktop app: there is no Electron binary at /x. Starting browser mode instead.');
  });
});

describe('npm start without a display', () => {
  it('starts browser mode, prints why and the address, serves it, and stops on Ctrl-C', async () => {
    const configDir = await mkdtemp(path.join(tmpdir(), 'vfleet-start-'));
    const launcher = spawn(process.execPath, [path.join(root, 'build', 'start.mjs'), '--port', '0'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: configDir, VFLEET_CONFIG_DIR: configDir, DISPLAY: '', WAYLAND_DISPLAY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    try {
      let stderr = '';
      launcher.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      const address = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        launcher.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const found = /vfleet is open at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(stdout);
          if (found?.[1]) resolve(found[1]);
        });
        launcher.on('exit', (code) => reject(new Error(`npm start ended (${code}) before printing an address: ${stdout}${stderr}`)));
      });
      expect(stderr).toMatch(/^vfleet: not opening the desktop app: .+\. Starting browser mode instead\.$/m);
      const exchange = await fetch(address, { redirect: 'manual' });
      expect(exchange.status).toBe(303);
      expect(exchange.headers.get('set-cookie')).toMatch(/HttpOnly/);
      const exited = new Promise<number | null>((resolve) => launcher.on('exit', (code) => resolve(code)));
      // As a terminal's Ctrl-C does: SIGINT to the launcher's whole process group (the browser mode it started has its own).
      process.kill(-(launcher.pid as number), 'SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).not.toMatch(/Error/);
    } finally {
      if (launcher.exitCode === null) process.kill(-(launcher.pid as number), 'SIGKILL');
      await rm(configDir, { recursive: true, force: true });
    }
  });
});

describe('the Electron binary lookup', () => {
  /** electronBinary() in a fresh Node (electron's package decides once per process), with `env`. */
  async function lookUp(env: Record<string, string>): Promise<ElectronBinary> {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `import { electronBinary } from ${JSON.stringify(path.join(root, 'build', 'electronBinary.mjs'))}; console.log(JSON.stringify(electronBinary()));`], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return JSON.parse(stdout) as ElectronBinary;
  }

  it('finds the binary in ELECTRON_OVERRIDE_DIST_PATH, and names the file it looked for when it is not there', async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'vfleet-electron-'));
    try {
      await writeFile(path.join(scratch, 'electron'), '#!/bin/sh\n', { mode: 0o755 });
      expect(await lookUp({ ELECTRON_OVERRIDE_DIST_PATH: scratch })).toEqual({ path: path.join(scratch, 'electron') });
      const empty = path.join(scratch, 'empty');
      expect(await lookUp({ ELECTRON_OVERRIDE_DIST_PATH: empty })).toEqual({ missing: `there is no Electron binary at ${path.join(empty, 'electron')}` });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it("says the binary was never downloaded when electron's install script did not run", async () => {
    const installed = existsSync(path.join(root, 'node_modules', 'electron', 'path.txt'));
    const found = await lookUp({});
    if (installed) expect(found).toHaveProperty('path');
    else expect(found).toEqual({ missing: expect.stringMatching(/^Electron's binary was never downloaded .*node node_modules\/electron\/install\.js/) });
  });
});
