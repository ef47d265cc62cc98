// The desktop app as a user starts it (`npm start`): Playwright drives the real Electron binary.
// Electron's binary is downloaded from GitHub, which this machine and CI cannot reach, so the test
// runs only where `node node_modules/electron/install.js` (or ELECTRON_OVERRIDE_DIST_PATH) provided
// it, and says clearly when it is skipped. Each run has its own empty vfleet config directory.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronBinary } from '../../build/electronBinary.mjs';
import { DESKTOP_CONTENT_SECURITY_POLICY } from '../../electron/shell/contentSecurityPolicy';
import type { DesktopApi } from '../../shared/api/desktopApi';
import { fleetApi } from '../../shared/api/fleetApi';

const root = path.resolve(import.meta.dirname, '..', '..');
const binary = electronBinary();
if ('missing' in binary) {
  console.warn(`SKIPPED desktop app tests (test/desktop/desktopApp.test.ts): ${binary.missing}.`);
}

describe.skipIf('missing' in binary)('desktop app (needs the Electron binary)', () => {
  let configDir: string;
  let app: ElectronApplication;
  let page: Page;
  const mainLog: string[] = [];
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];

  /** Resolves with the first line the main process logs that matches `pattern`, already logged or to come. */
  const logged = (pattern: RegExp): Promise<string> => {
    const seen = mainLog.find((line) => pattern.test(line));
    return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ pattern, resolve }));
  };

  beforeAll(async () => {
    expect(existsSync(path.join(root, 'dist/electron/main.cjs')), 'run npm run build first').toBe(true);
    configDir = await mkdtemp(path.join(tmpdir(), 'vfleet-desktop-'));
    app = await electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [root, '--no-sandbox', '--disable-gpu'],
      cwd: root,
      env: { ...process.env, VFLEET_CONFIG_DIR: configDir },
    });
    app.process().stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        mainLog.push(line);
        for (const waiter of waiting.filter((candidate) => candidate.pattern.test(line))) {
          waiting.splice(waiting.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });

  afterAll(async () => {
    await app?.close();
    await rm(configDir, { recursive: true, force: true });
  });

  it('opens one sandboxed window on the vfleet:// origin, showing the fleet overview', async () => {
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    expect(await page.title()).toMatch(/vfleet$/);
    expect(page.url()).toMatch(/^vfleet:\/\/app\/index\.html/);
    expect(app.windows()).toHaveLength(1);
    expect(await page.evaluate(() => location.origin)).toBe('vfleet://app');
  });

  it('serves the page with the Content-Security-Policy, which blocks an inline script', async () => {
    const [response] = await Promise.all([page.waitForResponse((candidate) => candidate.url().startsWith('vfleet://app/index.html')), page.reload()]);
    expect(response.headers()['content-security-policy']).toBe(DESKTOP_CONTENT_SECURITY_POLICY);
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'document.body.dataset.inline = "ran"';
      document.head.append(script);
      return document.body.dataset.inline ?? 'blocked';
    });
    expect(ran).toBe('blocked');
  });

  it("gives the page window.vfleet with exactly the method table's functions, and no Node", async () => {
    const shape = await page.evaluate(() => {
      const api = (globalThis as { vfleet?: Record<string, unknown> }).vfleet;
      return {
        api: api ? Object.keys(api).sort() : [],
        methods: api ? Object.keys(api.methods as object) : [],
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
        module: typeof (globalThis as { module?: unknown }).module,
      };
    });
    expect(shape.api).toEqual(['cancel', 'methods', 'onNavigate', 'subscribe', 'terminalClose', 'terminalInput', 'terminalOpen', 'terminalResize']);
    expect(shape.methods).toEqual(Object.keys(fleetApi));
    expect(shape).toMatchObject({ require: 'undefined', process: 'undefined', module: 'undefined' });
  });

  it('answers a call through the IPC bridge from the real core, and refuses bad params as invalid', async () => {
    const hosts = await page.evaluate(() => (globalThis as unknown as { vfleet: DesktopApi }).vfleet.methods['hosts.list']({}));
    expect(hosts).toEqual({ ok: true, value: [] });
    const bad = await page.evaluate(() => (globalThis as unknown as { vfleet: DesktopApi }).vfleet.methods['hosts.remove']({ name: '' }));
    expect(bad).toMatchObject({ ok: false, error: { kind: 'invalid' } });
  });

  it('sends the core no message the bridge would refuse: the preload checks it first and says so in the console', async () => {
    const warning = page.waitForEvent('console', (message) => message.text().includes('terminal input not sent'));
    await page.evaluate(() => {
      (globalThis as unknown as { vfleet: DesktopApi }).vfleet.terminalInput('not a terminal!', 'x');
    });
    expect((await warning).text()).toMatch(/not a message the app accepts: terminal: not a terminal id/);
  });

  it('blocks navigation to an external URL and window.open, and logs both', async () => {
    const before = page.url();
    await page.evaluate(() => { location.href = 'https://example.com/'; });
    expect(await logged(/refused navigation to https:\/\/example\.com\//)).toBeTruthy();
    expect(page.url()).toBe(before);
    expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
    expect(await logged(/refused a new window for https:\/\/example\.com\//)).toBeTruthy();
    expect(app.windows()).toHaveLength(1);
  });
});
