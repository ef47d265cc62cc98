// What the window's page may do beyond showing the app: nothing. Navigation away from the app's
// origin, redirects, new windows (window.open, target=_blank), <webview> and every permission
// request or check are denied and logged. hardenWebContents applies it to a window's webContents;
// secureWebPreferences are the window's settings: an isolated, sandboxed page without Node.
import type { WebContents, WebPreferences } from 'electron';
import { isAppUrl } from './appProtocol';

/** `developer`: a development run, where the developer tools may open; never in a packaged app. */
export function secureWebPreferences(preload: string, developer: boolean): WebPreferences {
  return {
    preload,
    devTools: developer,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

/** Why the page may not navigate (or be redirected) to `url`, or undefined for a URL of the app's origin. */
export function navigationRefusal(url: string): string | undefined {
  return isAppUrl(url) ? undefined : `navigation to ${url} (only the app's own pages open in its window)`;
}

/** The parts of a webContents the policy sets (Electron's WebContents). */
export type HardenableContents = Pick<WebContents, 'on' | 'setWindowOpenHandler' | 'session'>;

export function hardenWebContents(contents: HardenableContents, log: (line: string) => void): void {
  const refuse = (event: { preventDefault(): void }, url: string): void => {
    const why = navigationRefusal(url);
    if (why === undefined) return;
    event.preventDefault();
    log(`vfleet: refused ${why}`);
  };
  contents.on('will-navigate', (event, url) => refuse(event, url));
  contents.on('will-redirect', (event, url) => refuse(event, url));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('vfleet: refused a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    log(`vfleet: refused a new window for ${url}`);
    return { action: 'deny' };
  });
  // The page needs no permission: notifications come from the main process.
  contents.session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    log(`vfleet: denied the permission ${permission} to ${details.requestingUrl}`);
    callback(false);
  });
  // Chromium asks checks on its own, often: answered, not logged.
  contents.session.setPermissionCheckHandler(() => false);
}
