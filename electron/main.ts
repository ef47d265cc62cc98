// Electron entry: wiring only. The fleet core lives in electron/core and runs without Electron;
// here it gets the desktop app's stores, one window on the app's own origin (vfleet://app, served
// from dist/renderer), the IPC bridge to the core, the menu and alert notifications. Every policy
// (protocol, CSP, IPC checks, navigation, placement, menu, notices) is in electron/shell/.
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, safeStorage, screen } from 'electron';
import path from 'node:path';
import { DESKTOP_BRIDGE_CHANNEL, DESKTOP_NAVIGATE_CHANNEL } from '../shared/api/desktopApi';
import { openDesktopStores } from './adapters/desktopStores';
import { openWindowStateStore, type WindowStateStore } from './adapters/windowStateStore';
import { openBridgeConnection } from './core/bridge/bridgeConnection';
import { defaultRendererDir } from './core/bridge/browserMode';
import { createFleetCore, type FleetCore } from './core/fleet';
import { vfleetConfigDir } from './core/store/configDir';
import { AlertNotifier, DESKTOP_APP_ID } from './shell/alertNotifications';
import { appMenuTemplate } from './shell/appMenu';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, appUrl, createAppProtocolHandler } from './shell/appProtocol';
import { BridgeIpc, replacesPage } from './shell/bridgeIpc';
import { hardenWebContents, secureWebPreferences } from './shell/webContentsPolicy';
import { rememberedRoute, restoreWindowBounds } from './shell/windowPlacement';

const log = (line: string): void => console.warn(line);

let core: FleetCore | undefined;
let window: BrowserWindow | undefined;
let bridge: BridgeIpc | undefined;
/** Shown notifications, kept so their click handlers live until they are clicked or closed. */
const notices = new Set<Notification>();

function showRoute(route: string): void {
  if (!window || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.focus();
  window.webContents.send(DESKTOP_NAVIGATE_CHANNEL, route);
}

function openWindow(fleet: FleetCore, windowState: WindowStateStore): void {
  const saved = windowState.load();
  const displays = screen.getAllDisplays().map((display) => display.workArea);
  const win = new BrowserWindow({
    ...restoreWindowBounds(saved, displays, screen.getPrimaryDisplay().workArea),
    title: 'vfleet',
    show: false,
    webPreferences: secureWebPreferences(path.join(__dirname, 'preload.cjs'), !app.isPackaged),
  });
  window = win;
  hardenWebContents(win.webContents, log);
  const ipc = new BridgeIpc({
    windowContentsId: win.webContents.id,
    open: (send) => openBridgeConnection(fleet, send, { log: (line) => log(`vfleet: window: ${line}`) }),
    post: (raw) => { if (!win.isDestroyed()) win.webContents.send(DESKTOP_BRIDGE_CHANNEL, raw); },
    log,
  });
  bridge = ipc;
  // A new document (reload, crash) starts a new bridge connection: the old one's calls, feed and terminals end.
  win.webContents.on('did-start-navigation', (details) => { if (replacesPage(details)) ipc.reset(); });
  win.webContents.on('render-process-gone', () => ipc.reset());
  win.webContents.on('destroyed', () => ipc.reset());

  let stateSaved = false;
  win.on('close', (event) => {
    if (stateSaved) return;
    event.preventDefault();
    const route = rememberedRoute(win.webContents.getURL());
    windowState.save({ bounds: win.getNormalBounds(), maximized: win.isMaximized(), ...(route !== undefined ? { route } : {}) })
      .catch((error: unknown) => log(`vfleet: the window's place was not saved: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => { stateSaved = true; win.close(); });
  });
  win.once('ready-to-show', () => {
    if (saved?.maximized) win.maximize();
    win.show();
  });
  void win.loadURL(appUrl(saved?.route));
}

function notifyAlerts(fleet: FleetCore): void {
  const notifier = new AlertNotifier();
  fleet.subscribe((delta) => {
    const notice = notifier.notice(delta);
    if (!notice || !Notification.isSupported()) return;
    const shown = new Notification({ title: notice.title, body: notice.body });
    notices.add(shown);
    shown.on('click', () => { notices.delete(shown); showRoute(notice.route); });
    shown.on('close', () => notices.delete(shown));
    shown.show();
  });
}

async function start(): Promise<void> {
  // The CLI's directory, not Electron's userData: the app and `vfleet` manage the same fleet.
  const dataDir = vfleetConfigDir();
  const { registry, secrets, secretsUnavailable } = await openDesktopStores(dataDir, safeStorage);
  if (secretsUnavailable !== undefined) log(`vfleet: ${secretsUnavailable}`);
  const fleet = await createFleetCore({ dataDir, registry, secrets });
  core = fleet;
  protocol.handle(APP_SCHEME, createAppProtocolHandler(defaultRendererDir(), log));
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate({ platform: process.platform, navigate: showRoute, developer: !app.isPackaged })));
  ipcMain.on(DESKTOP_BRIDGE_CHANNEL, (event, ...args: unknown[]) => {
    if (bridge) bridge.accept(event, ...args);
    else log('vfleet: refused an IPC message: the window is not open');
  });
  notifyAlerts(fleet);
  openWindow(fleet, await openWindowStateStore(dataDir, log));
}

app.enableSandbox();
// Windows shows notifications only for the app id its installer registered (build/electron-builder.yml's appId).
if (process.platform === 'win32') app.setAppUserModelId(DESKTOP_APP_ID);
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
if (!app.requestSingleInstanceLock()) {
  // Another vfleet runs: it focuses its window (second-instance below) and this one ends.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!window || window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.whenReady().then(start).catch((error: unknown) => {
    dialog.showErrorBox('vfleet cannot start', error instanceof Error ? error.message : String(error));
    app.quit();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => { void core?.close(); });
}
