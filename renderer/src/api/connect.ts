// Picks the page's client of the fleet core: browser mode's WebSocket bridge (the desktop app's
// preload client is added here when the shell provides it).
import { createWebSocketClient } from './webSocketClient';
import type { LinkStatusSource } from './linkStatus';
import type { VfleetClient } from './vfleetClient';

export interface CoreConnection {
  client: VfleetClient;
  link: LinkStatusSource;
}

export function connect(): CoreConnection {
  const client = createWebSocketClient();
  return { client, link: client.link };
}
