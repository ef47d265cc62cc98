// Picks the page's client of the fleet core: the desktop app's preload API when the page runs in
// the app (its IPC never drops), else browser mode's WebSocket bridge. Also where the shell's
// navigation requests (menu, notifications) come in.
import { desktopRoutes } from '../../../shared/api/desktopApi';
import { desktopClient } from './desktopClient';
import { createWebSocketClient } from './webSocketClient';
import { alwaysOpen, type LinkStatusSource } from './linkStatus';
import type { VfleetClient } from './vfleetClient';

export interface CoreConnection {
  client: VfleetClient;
  link: LinkStatusSource;
}

export function connect(): CoreConnection {
  const desktop = desktopClient(window.vfleet);
  if (desktop) return { client: desktop, link: alwaysOpen };
  const client = createWebSocketClient();
  return { client, link: client.link };
}

/** The shell's navigation requests, in the desktop app only: a hash route, or the palette's. */
export function onShellNavigate(openPalette: () => void): () => void {
  return window.vfleet?.onNavigate((route) => {
    if (route === desktopRoutes.palette) openPalette();
    else window.location.hash = route;
  }) ?? (() => undefined);
}
