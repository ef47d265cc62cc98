// What the UI tests share: Debian's Chromium launched headless, the built renderer's folder for
// browser mode, where screenshots go, and the collection of a page's console errors and warnings
// (every UI test ends by asserting there were none).
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

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
