// Electron entry: wiring only. The fleet core lives in electron/core and runs without Electron;
// here it gets the desktop app's stores (electron-store, secrets through safeStorage).
import { app, BrowserWindow, dialog, safeStorage } from 'electron';
import path from 'node:path';
import { openDesktopStores } from './adapters/desktopStores';
import { createFleetCore, type FleetCore } from './core/fleet';
import { vfleetConfigDir } from './core/store/configDir';

let core: FleetCore | undefined;

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'vfleet',
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  void win.loadFile(path.join(__dirname, '..', 'renderer', 'index.html'));
}

async function start(): Promise<void> {
  // The CLI's directory, not Electron's userData: the app and `vfleet` manage the same fleet.
  const dataDir = vfleetConfigDir();
  const { registry, secrets, secretsUnavailable } = await openDesktopStores(dataDir, safeStorage);
  if (secretsUnavailable !== undefined) console.warn(`vfleet: ${secretsUnavailable}`);
  core = await createFleetCore({ dataDir, registry, secrets });
  createWindow();
}

app.whenReady().then(start).catch((error: unknown) => {
  dialog.showErrorBox('vfleet cannot start', error instanceof Error ? error.message : String(error));
  app.quit();
});
app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => { void core?.close(); });
