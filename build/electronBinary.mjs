// Where the Electron executable is, or why there is none: electron's npm package names it (under
// ELECTRON_OVERRIDE_DIST_PATH when set), and throws when its install script, which downloads it
// from GitHub, never ran (it is off in package.json's allowScripts). Used by `npm start` and the
// desktop app test.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** @returns {{ path: string } | { missing: string }} */
export function electronBinary() {
  let binary;
  try {
    binary = createRequire(import.meta.url)('electron');
  } catch {
    return { missing: "Electron's binary was never downloaded (its install script is off in allowScripts; fetch it with: node node_modules/electron/install.js)" };
  }
  return existsSync(binary) ? { path: binary } : { missing: `there is no Electron binary at ${binary}` };
}
