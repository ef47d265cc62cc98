// What the window's page may do: only show the app. The window's settings, and hardenWebContents
// on a stand-in for Electron's WebContents (a Node EventEmitter that records the handlers set;
// WebContents needs the Electron binary) receiving the events Electron sends: navigations,
// redirects, window.open, <webview> and permission requests.
import { EventEmitter } from 'node:events';
import type { WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { hardenWebContents, navigationRefusal, secureWebPreferences } from '../../electron/shell/webContentsPolicy';

function recordedContents() {
  const handlers: {
    windowOpen?: (details: { url: string }) => { action: string };
    permissionRequest?: (contents: unknown, permission: string, callback: (granted: boolean) => void, details: { requestingUrl: string }) => void;
    permissionCheck?: (contents: unknown, permission: string, origin: string) => boolean;
  } = {};
  const contents = Object.assign(new EventEmitter(), {
    setWindowOpenHandler: (handler: typeof handlers.windowOpen) => { handlers.windowOpen = handler; },
    session: {
      setPermissionRequestHandler: (handler: typeof handlers.permissionRequest) => { handlers.permissionRequest = handler; },
      setPermissionCheckHandler: (handler: typeof handlers.permissionCheck) => { handlers.permissionCheck = handler; },
    },
  });
  const log: string[] = [];
  hardenWebContents(contents as unknown as WebContents, (line) => log.push(line));
  /** Emits an event as Electron does; true when a listener prevented its default. */
  const emit = (name: string, url?: string): boolean => {
    let prevented = false;
    contents.emit(name, { preventDefault: () => { prevented = true; } }, url);
    return prevented;
  };
  return { handlers, emit, log };
}

describe('the window settings', () => {
  it('isolate and sandbox the page, without Node or <webview>, and without developer tools in a packaged app', () => {
    expect(secureWebPreferences('/app/dist/electron/preload.cjs', false)).toMatchObject({
      preload: '/app/dist/electron/preload.cjs', devTools: false, contextIsolation: true, sandbox: true, nodeIntegration: false,
      nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webviewTag: false, webSecurity: true, allowRunningInsecureContent: false,
    });
    expect(secureWebPreferences('/p.cjs', true)).toMatchObject({ devTools: true, sandbox: true, contextIsolation: true, nodeIntegration: false });
  });
});

describe("the page's navigation", () => {
  it("stays on the app's origin: the web, file:// and look-alikes are refused", () => {
    expect(navigationRefusal('vfleet://app/index.html#/guests')).toBeUndefined();
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'vfleet://evil/index.html', 'javascript:alert(1)', 'data:text/html,x']) {
      expect(navigationRefusal(url), url).toMatch(/only the app's own pages/);
    }
  });

  it('is prevented and logged on will-navigate and will-redirect to anywhere else', () => {
    const { emit, log } = recordedContents();
    expect(emit('will-navigate', 'https://example.com/phish')).toBe(true);
    expect(emit('will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(emit('will-navigate', 'vfleet://app/index.html')).toBe(false);
    expect(log).toEqual([
      "vfleet: refused navigation to https://example.com/phish (only the app's own pages open in its window)",
      "vfleet: refused navigation to file:///etc/passwd (only the app's own pages open in its window)",
    ]);
  });

  it('opens no new window, not even of the app, and attaches no <webview>', () => {
    const { handlers, emit, log } = recordedContents();
    expect(handlers.windowOpen?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(handlers.windowOpen?.({ url: 'vfleet://app/index.html' })).toEqual({ action: 'deny' });
    expect(emit('will-attach-webview')).toBe(true);
    expect(log).toEqual(['vfleet: refused a new window for https://example.com/', 'vfleet: refused a new window for vfleet://app/index.html', 'vfleet: refused a <webview>']);
  });

  it('grants no permission request or check, from the app itself either', () => {
    const { handlers, log } = recordedContents();
    for (const permission of ['notifications', 'media', 'geolocation', 'clipboard-read', 'openExternal']) {
      let granted: boolean | undefined;
      handlers.permissionRequest?.({}, permission, (answer) => { granted = answer; }, { requestingUrl: 'vfleet://app/index.html' });
      expect(granted, permission).toBe(false);
      expect(handlers.permissionCheck?.({}, permission, 'vfleet://app'), permission).toBe(false);
    }
    expect(log[0]).toBe('vfleet: denied the permission notifications to vfleet://app/index.html');
    expect(log).toHaveLength(5);
  });
});
