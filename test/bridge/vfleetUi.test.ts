// `vfleet ui` as an admin runs it (the installed command, the bundle of npm run build:main): it
// prints the address, serves the page for its token until SIGINT or SIGTERM, then closes and
// exits 0; a wrong --port is refused before anything listens.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT, runVfleet } from '../core/support/vfleetCommand';
import { exchangeToken, httpGet } from './support/browserClient';

/** Starts `vfleet ui` and resolves with the printed address once it is up. */
function startUi(configDir: string): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => string }> {
  const child = spawn(process.execPath, [path.join(REPOSITORY_ROOT, 'bin/vfleet.mjs'), '--config-dir', configDir, 'ui'], { env: { ...process.env } });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}/.exec(output)?.[0];
      if (url) resolve({ child, url, output: () => output });
    });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.on('exit', (code) => reject(new Error(`vfleet ui exited with ${code} before printing its address: ${output}`)));
  });
}

describe('vfleet ui', () => {
  let configDir: string;

  beforeAll(async () => {
    configDir = await mkdtemp(path.join(tmpdir(), 'vfleet-ui-'));
  });

  afterAll(async () => {
    await rm(configDir, { recursive: true, force: true });
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`prints the address, serves the page for its token, and on ${signal} closes and exits 0`, async () => {
      const { child, url, output } = await startUi(configDir);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const cookie = await exchangeToken(url);
      const port = Number(new URL(url).port);
      const page = await httpGet(port, '/', { Cookie: cookie });
      expect(page.status).toBe(200);
      expect(page.body).toContain('<div id="root"></div>');
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(output()).toContain(`vfleet: ${signal}, closing browser mode`);
      await expect(httpGet(port, '/', { Cookie: cookie })).rejects.toThrow(/ECONNREFUSED/);
    });
  }

  it('refuses a port that is not one, before anything listens', async () => {
    const result = await runVfleet(['--config-dir', configDir, 'ui', '--port', '70000'], { cwd: configDir, env: { ...process.env } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('vfleet: browser mode: the port must be a whole number from 0 (any free port) to 65535, not 70000\n');
    const words = await runVfleet(['--config-dir', configDir, 'ui', '--port', 'high'], { cwd: configDir, env: { ...process.env } });
    expect(words.code).toBe(2);
    expect(words.stderr).toMatch(/^vfleet: --port takes a number, not 'high'/);
  });
});
