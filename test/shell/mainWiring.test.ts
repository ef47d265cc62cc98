// The main process as built (dist/electron/main.cjs, `npm run build`) wires the shell's policies:
// run in Node against a recorded stand-in for the 'electron' module, which cannot run here (no
// binary). The stand-in only records what main asks of Electron (the scheme registered, the
// protocol handler, the window's options and URL, the handlers set on its webContents, the IPC
// listener, the menu, the notifications shown) and delivers events as Electron would; everything
// behind it is real: the fleet core on an empty config directory, the bridge connection,
// electron-store, the files of dist/renderer, an SSH connection refused by a closed local port. test/desktop/desktopApp.test.ts runs the same app in the real Electron where
// its binary exists.
import '../core/support/electronStoreInNode';
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MenuItemConstructorOptions } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_CONTENT_SECURITY_POLICY } from '../../electron/shell/contentSecurityPolicy';
import { bridgeServerMessageSchema, type BridgeServerMessage } from '../../shared/api/bridge';
import { DESKTOP_BRIDGE_CHANNEL, DESKTOP_NAVIGATE_CHANNEL } from '../../shared/api/desktopApi';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
const mainBundle = path.join(root, 'dist', 'electron', 'main.cjs');

/** What main asked of Electron, and the events it listens to. */
const recorded = {
  app: new EventEmitter(),
  sandboxEnabled: false,
  schemes: [] as { scheme: string; privileges: Record<string, boolean> }[],
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
  ipc: new Map<string, (event: unknown, ...args: unknown[]) => void>(),
  menu: undefined as MenuItemConstructorOptions[] | undefined,
  windows: [] as StandInWindow[],
  errors: [] as string[],
};
let ready: () => void = () => undefined;
const whenReady = new Promise<void>((resolve) => { ready = resolve; });

class StandInContents extends EventEmitter {
  readonly id = 41;
  readonly mainFrame = { url: '', processId: 5, routingId: 1, parent: null };
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  permissionRequest: ((...args: unknown[]) => void) | undefined;
  permissionCheck: ((...args: unknown[]) => boolean) | undefined;
  readonly session = {
    setPermissionRequestHandler: (handler: (...args: unknown[]) => void) => { this.permissionRequest = handler; },
    setPermissionCheckHandler: (handler: (...args: unknown[]) => boolean) => { this.permissionCheck = handler; },
  };
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void { this.windowOpenHandler = handler; }
  send(channel: string, ...args: unknown[]): void { this.sent.push({ channel, args }); this.emit('sent'); }
  getURL(): string { return this.mainFrame.url; }
}

class StandInWindow extends EventEmitter {
  readonly webContents = new StandInContents();
  url: string | undefined;
  focused = 0;
  destroyed = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    recorded.windows.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.url = url;
    (this.webContents.mainFrame as { url: string }).url = url;
    return Promise.resolve();
  }
  isDestroyed(): boolean { return this.destroyed; }
  isMinimized(): boolean { return false; }
  isMaximized(): boolean { return false; }
  restore(): void {}
  focus(): void { this.focused++; }
  show(): void {}
  maximize(): void {}
  getNormalBounds() { return { x: 100, y: 80, width: 1200, height: 760 }; }
  close(): void {
    let prevented = false;
    this.emit('close', { preventDefault: () => { prevented = true; } });
    if (!prevented) { this.destroyed = true; this.emit('closed'); }
  }
}

class StandInNotification extends EventEmitter {
  static isSupported(): boolean { return true; }
  static readonly shown: StandInNotification[] = [];
  constructor(readonly options: { title: string; body: string }) { super(); }
  show(): void { StandInNotification.shown.push(this); recorded.app.emit('notification-shown'); }
}

const workArea = { x: 0, y: 0, width: 1920, height: 1080 };
const electronStandIn = {
  app: Object.assign(recorded.app, {
    isPackaged: false,
    enableSandbox: () => { recorded.sandboxEnabled = true; },
    setAppUserModelId: () => undefined,
    requestSingleInstanceLock: () => true,
    whenReady: () => whenReady,
    quit: () => recorded.app.emit('quit-called'),
  }),
  protocol: {
    registerSchemesAsPrivileged: (schemes: typeof recorded.schemes) => { recorded.schemes.push(...schemes); },
    handle: (scheme: string, handler: (request: Request) => Promise<Response>) => { recorded.protocolHandlers.set(scheme, handler); },
  },
  BrowserWindow: StandInWindow,
  ipcMain: { on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => { recorded.ipc.set(channel, listener); } },
  Menu: { buildFromTemplate: (template: MenuItemConstructorOptions[]) => template, setApplicationMenu: (menu: MenuItemConstructorOptions[]) => { recorded.menu = menu; } },
  Notification: StandInNotification,
  screen: { getAllDisplays: () => [{ workArea }], getPrimaryDisplay: () => ({ workArea }) },
  dialog: { showErrorBox: (title: string, text: string) => recorded.errors.push(`${title}: ${text}`) },
  safeStorage: { isEncryptionAvailable: () => false, getSelectedStorageBackend: () => 'unknown' },
};

let configDir: string;
const warnings: string[] = [];
const originalWarn = console.warn;
let win: StandInWindow;

/** The next message main posts to the page on the bridge channel. */
function nextPosted(from: number): Promise<BridgeServerMessage> {
  return new Promise((resolve) => {
    const check = (): void => {
      const entry = win.webContents.sent.filter((sent) => sent.channel === DESKTOP_BRIDGE_CHANNEL)[from];
      if (!entry) return;
      win.webContents.off('sent', check);
      resolve(bridgeServerMessageSchema.parse(JSON.parse(entry.args[0] as string)));
    };
    win.webContents.on('sent', check);
    check();
  });
}

beforeAll(async () => {
  if (!existsSync(mainBundle)) throw new Error(`no ${mainBundle}: run npm run build first`);
  configDir = await mkdtemp(path.join(tmpdir(), 'vfleet-main-'));
  process.env.VFLEET_CONFIG_DIR = configDir;
  console.warn = (...args: unknown[]) => { warnings.push(args.join(' ')); };
  const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: typeof load })._load = function (request: string, ...rest: unknown[]) {
    return request === 'electron' ? electronStandIn : load.call(this, request, ...rest);
  };
  try {
    createRequire(import.meta.url)(mainBundle);
  } finally {
    (Module as unknown as { _load: typeof load })._load = load;
  }
  const opened = new Promise<void>((resolve) => {
    // Started, or failed (main shows an error box and quits).
    const poll = (): void => { if (recorded.windows[0]?.url || recorded.errors.length > 0) resolve(); else setImmediate(poll); };
    poll();
  });
  ready();
  await opened;
  expect(recorded.errors).toEqual([]);
  win = recorded.windows[0] as StandInWindow;
});

afterAll(async () => {
  recorded.app.emit('will-quit');
  console.warn = originalWarn;
  delete process.env.VFLEET_CONFIG_DIR;
  await rm(configDir, { recursive: true, force: true });
});

describe('the main process wiring', () => {
  it('enables the sandbox everywhere and registers vfleet as a standard, secure scheme before ready', () => {
    expect(recorded.sandboxEnabled).toBe(true);
    expect(recorded.schemes).toEqual([{ scheme: 'vfleet', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(recorded.errors).toEqual([]);
  });

  it('opens one isolated, sandboxed window without Node on vfleet://app, with the built preload', () => {
    expect(recorded.windows).toHaveLength(1);
    expect(win.url).toBe('vfleet://app/index.html');
    const preferences = win.options.webPreferences as Record<string, unknown>;
    expect(preferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });
    expect(preferences.preload).toBe(path.join(root, 'dist', 'electron', 'preload.cjs'));
    expect(existsSync(preferences.preload as string)).toBe(true);
    expect(win.options).toMatchObject({ width: 1280, height: 800, x: 320, y: 140, show: false });
  });

  it('serves the built renderer on vfleet:// with the CSP', async () => {
    const handler = recorded.protocolHandlers.get('vfleet');
    const response = await handler?.(new Request('vfleet://app/index.html'));
    expect(response?.status).toBe(200);
    expect(response?.headers.get('content-security-policy')).toBe(DESKTOP_CONTENT_SECURITY_POLICY);
    expect(await response?.text()).toBe(await readFile(path.join(root, 'dist', 'renderer', 'index.html'), 'utf8'));
    expect((await handler?.(new Request('vfleet://app/..%2f..%2fpackage.json')))?.status).toBe(400);
  });

  it("hardens the window's webContents: navigation off the app, new windows and permissions denied", () => {
    let prevented = false;
    win.webContents.emit('will-navigate', { preventDefault: () => { prevented = true; } }, 'https://example.com/');
    expect(prevented).toBe(true);
    expect(win.webContents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    let granted: boolean | undefined;
    win.webContents.permissionRequest?.(win.webContents, 'media', (answer: boolean) => { granted = answer; }, { requestingUrl: 'vfleet://app/index.html' });
    expect(granted).toBe(false);
    expect(warnings).toEqual(expect.arrayContaining(["vfleet: refused navigation to https://example.com/ (only the app's own pages open in its window)"]));
  });

  it("answers the window's IPC through the core, and ignores another sender", async () => {
    const listener = recorded.ipc.get(DESKTOP_BRIDGE_CHANNEL);
    const sender = { id: win.webContents.id, mainFrame: win.webContents.mainFrame };
    listener?.({ sender, senderFrame: { ...win.webContents.mainFrame, url: 'file:///tmp/x.html' } }, JSON.stringify({ type: 'call', id: 1, method: 'hosts.add', params: { name: 'x', address: '10.213.145.3', auth: { kind: 'agent' } } }));
    listener?.({ sender, senderFrame: win.webContents.mainFrame }, JSON.stringify({ type: 'call', id: 2, method: 'hosts.list', params: {} }));
    expect(await nextPosted(0)).toEqual({ type: 'result', id: 2, result: [] });
    expect(warnings).toEqual(expect.arrayContaining(['vfleet: refused an IPC message: its frame shows file:///tmp/x.html, not the app']));
  });

  it("keeps the page's feed through a navigation it refused", async () => {
    const listener = recorded.ipc.get(DESKTOP_BRIDGE_CHANNEL);
    const fromPage = { sender: { id: win.webContents.id, mainFrame: win.webContents.mainFrame }, senderFrame: win.webContents.mainFrame };
    const bridgeMessages = () => win.webContents.sent.filter((sent) => sent.channel === DESKTOP_BRIDGE_CHANNEL).length;
    let from = bridgeMessages();
    listener?.(fromPage, JSON.stringify({ type: 'subscribe' }));
    expect(await nextPosted(from)).toMatchObject({ type: 'snapshot' });
    // Electron reports the start of a navigation before will-navigate refuses it.
    win.webContents.emit('did-start-navigation', { url: 'https://example.com/', isMainFrame: true, isSameDocument: false });
    win.webContents.emit('will-navigate', { preventDefault: () => undefined }, 'https://example.com/');
    from = bridgeMessages();
    listener?.(fromPage, JSON.stringify({ type: 'call', id: 20, method: 'hosts.add', params: { name: 'feed-check', address: '10.213.145.4', auth: { kind: 'agent' } } }));
    const seen: BridgeServerMessage[] = [];
    for (let index = from; !seen.some((message) => message.type === 'deltas' && message.deltas.some((delta) => delta.type === 'host' && delta.host.name === 'feed-check')); index++) {
      seen.push(await nextPosted(index));
    }
    expect(seen).toContainEqual(expect.objectContaining({ type: 'result', id: 20 }));
    listener?.(fromPage, JSON.stringify({ type: 'unsubscribe' }));
  });

  it('sets the menu, whose items send the page hash routes', () => {
    const view = recorded.menu?.find((item) => item.label === '&View');
    const guests = (view?.submenu as MenuItemConstructorOptions[]).find((item) => item.label === 'Guests');
    (guests?.click as () => void)();
    expect(win.webContents.sent.at(-1)).toEqual({ channel: DESKTOP_NAVIGATE_CHANNEL, args: ['#/guests'] });
  });

  it('notifies a host that cannot be reached, and its click opens the host page', async () => {
    const listener = recorded.ipc.get(DESKTOP_BRIDGE_CHANNEL);
    const fromPage = { sender: { id: win.webContents.id, mainFrame: win.webContents.mainFrame }, senderFrame: win.webContents.mainFrame };
    const shown = new Promise<void>((resolve) => recorded.app.once('notification-shown', () => resolve()));
    const posted = win.webContents.sent.filter((sent) => sent.channel === DESKTOP_BRIDGE_CHANNEL).length;
    const keyPath = path.join(configDir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
    // Nothing listens on port 1 of this machine: the connection is refused at once.
    listener?.(fromPage, JSON.stringify({ type: 'call', id: 10, method: 'hosts.add', params: { name: 'closed-port', address: '127.0.0.1', port: 1, auth: { kind: 'keyFile', keyPath } } }));
    expect(await nextPosted(posted)).toMatchObject({ type: 'result', id: 10 });
    listener?.(fromPage, JSON.stringify({ type: 'call', id: 11, method: 'hosts.connect', params: { names: ['closed-port'], timeoutMs: 1_000 } }));
    await shown;
    const notice = StandInNotification.shown[0];
    expect(notice?.options.title).toBe('closed-port is unreachable');
    const focusedBefore = win.focused;
    notice?.emit('click');
    expect(win.webContents.sent.at(-1)).toEqual({ channel: DESKTOP_NAVIGATE_CHANNEL, args: ['#/hosts/closed-port'] });
    expect(win.focused).toBe(focusedBefore + 1);
  });

  it('focuses the window on a second launch', () => {
    const before = win.focused;
    recorded.app.emit('second-instance');
    expect(win.focused).toBe(before + 1);
  });

  it('saves its place and last view to window.json when it closes', async () => {
    (win.webContents.mainFrame as { url: string }).url = 'vfleet://app/index.html#/hosts/lab-1';
    const closed = new Promise<void>((resolve) => win.once('closed', () => resolve()));
    win.close();
    await closed;
    expect(JSON.parse(await readFile(path.join(configDir, 'window.json'), 'utf8'))).toEqual({
      version: 1,
      window: { bounds: { x: 100, y: 80, width: 1200, height: 760 }, maximized: false, route: '#/hosts/lab-1' },
    });
  });
});
