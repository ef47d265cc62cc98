// What the UI tests share: Debian's Chromium launched headless, the built renderer's folder for
// browser mode, where screenshots go, the collection of a page's console errors and warnings
// (every UI test ends by asserting there were none), and `openAppPage`: the app in browser mode
// over a core, opened in a fresh page with all of that set up.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startBrowserMode, type BrowserMode, type BrowserModeOptions } from '../../../electron/core/bridge/browserMode';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const RENDERER_DIR = path.join(ROOT, 'dist', 'renderer');
export const SHOTS = path.join(ROOT, 'test-results', 'ui');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

/** Adds every console error or warning of `page`, and every uncaught page error, to `problems`. */
export function collectConsoleProblems(page: Page, problems: string[], withPageErrors = true): void {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  if (withPageErrors) page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
}

export interface AppPageOptions {
  viewport?: { width: number; height: number };
  /** Browser permissions granted to the app's origin (e.g. clipboard-read). */
  permissions?: string[];
  /** Screenshots are saved as `<SHOTS>/<shotPrefix><name>.png`. */
  shotPrefix?: string;
}

export interface AppPage {
  page: Page;
  browser: Browser;
  /** Browser mode's server; `restartServer` replaces it. */
  server: BrowserMode;
  /** The page's console errors and warnings and uncaught errors, in order. */
  consoleProblems: string[];
  /** Browser mode's refusals and bridge problems. */
  serverLog: string[];
  /** A full-page screenshot, or of `what` only, to `<SHOTS>/<shotPrefix><name>.png`. */
  shot(name: string, what?: Locator): Promise<void>;
  /** Goes to a hash route and waits for its page heading. */
  open(hash: string, heading: string, timeoutMs?: number): Promise<void>;
  /** Closes browser mode (the page loses its bridge), to start it again with `restartServer`. */
  stopServer(): Promise<void>;
  /** Browser mode again on `port`, over the same core (the page's next attempt needs the new token: see fleetUi). */
  restartServer(port: number): Promise<BrowserMode>;
  /** The browser, then the server. */
  close(): Promise<void>;
}

/** Browser mode over `core`, Chromium on it (light colour scheme), the page loaded at the printed address. */
export async function openAppPage(core: BrowserModeOptions['core'], options: AppPageOptions = {}): Promise<AppPage> {
  const serverLog: string[] = [];
  const consoleProblems: string[] = [];
  const start = (port?: number): Promise<BrowserMode> => startBrowserMode({ core, port, rendererDir: RENDERER_DIR, log: (line) => serverLog.push(line) });
  let server: BrowserMode | undefined = await start();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 960 }, colorScheme: 'light' });
    if (options.permissions) await context.grantPermissions(options.permissions, { origin: new URL(server.url).origin });
    const page = await context.newPage();
    collectConsoleProblems(page, consoleProblems);
    await mkdir(SHOTS, { recursive: true });
    await page.goto(server.url);
    const app: AppPage = {
      page,
      browser,
      get server() {
        if (!server) throw new Error('browser mode is stopped');
        return server;
      },
      consoleProblems,
      serverLog,
      async shot(name, what) {
        const file = path.join(SHOTS, `${options.shotPrefix ?? ''}${name}.png`);
        if (what) await what.screenshot({ path: file });
        else await page.screenshot({ path: file, fullPage: true });
      },
      async open(hash, heading, timeoutMs = 30_000) {
        await page.evaluate((target) => { window.location.hash = target; }, hash);
        await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor({ timeout: timeoutMs });
      },
      async stopServer() {
        await server?.close();
        server = undefined;
      },
      async restartServer(port) {
        server = await start(port);
        return server;
      },
      async close() {
        await browser?.close();
        await server?.close();
        server = undefined;
      },
    };
    return app;
  } catch (error) {
    await browser?.close();
    await server?.close();
    throw error;
  }
}
