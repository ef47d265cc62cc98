// The desktop app as a user starts it (`npm start`): Playwright drives the real Electron binary.
// Electron's binary is downloaded from GitHub, which this machine and CI cannot reach, so the test
// runs only where `node node_modules/electron/install.js` (or ELECTRON_OVERRIDE_DIST_PATH) provided
// it, and says clearly when it is skipped.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

/** The Electron executable, or why there is none. */
function electronBinary(): { path: string } | { missing: string } {
  try {
    const binary = createRequire(import.meta.url)('electron') as string;
    return existsSync(binary) ? { path: binary } : { missing: `no Electron binary at ${binary}` };
  } catch {
    // electron/index.js throws when its install script, which downloads the binary, never ran.
    return { missing: "Electron's binary was never downloaded (its install script is off in allowScripts)" };
  }
}

const binary = electronBinary();
if ('missing' in binary) {
  console.warn(`SKIPPED desktop app tests: ${binary.missing}. Fetch it with: node node_modules/electron/install.js`);
}

describe.skipIf('missing' in binary)('desktop app (needs the Electron binary)', () => {
  it('opens a sandboxed window titled vfleet showing the app', async () => {
    expect(existsSync(path.join(root, 'dist/electron/main.cjs')), 'run npm run build first').toBe(true);
    const app = await electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [root, '--no-sandbox', '--disable-gpu'],
      cwd: root,
    });
    try {
      const window = await app.firstWindow();
      expect(await window.title()).toBe('vfleet');
      expect(await window.locator('h1').textContent()).toBe('vfleet');
      // The renderer has no Node: the preload's bridge is all it sees.
      expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await window.evaluate(() => (globalThis as { vfleetDesktop?: { platform: string } }).vfleetDesktop?.platform)).toBe(process.platform);
    } finally {
      await app.close();
    }
  });
});
