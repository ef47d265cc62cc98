// The desktop app's client chain in one process: desktopClient over the preload's API
// (createDesktopApi), whose messages go, as the same JSON strings Electron's IPC would carry, to
// the main process's BridgeIpc from the window's main frame, and so to a bridge connection on `core`.
import { openBridgeConnection, type BridgeCore } from '../../../electron/core/bridge/bridgeConnection';
import { BridgeIpc, type IpcSenderEvent } from '../../../electron/shell/bridgeIpc';
import { createDesktopApi } from '../../../electron/shell/desktopApiClient';
import { desktopClient } from '../../../renderer/src/api/desktopClient';
import type { VfleetClient } from '../../../renderer/src/api/vfleetClient';

const WINDOW = 1;
const mainFrame = { url: 'vfleet://app/index.html', processId: 3, routingId: 1, parent: null };
const fromWindow: IpcSenderEvent = { sender: { id: WINDOW, mainFrame }, senderFrame: mainFrame };

/** The client a page of the desktop window has; `log` gets every line the main process and the preload log. */
export function desktopClientOnCore(core: BridgeCore, log: (line: string) => void): VfleetClient {
  let toPage: (raw: string) => void = () => undefined;
  const ipc = new BridgeIpc({
    windowContentsId: WINDOW,
    open: (send) => openBridgeConnection(core, send, { log }),
    post: (raw) => toPage(raw),
    log,
  });
  const api = createDesktopApi({
    send: (raw) => ipc.accept(fromWindow, raw),
    onMessage: (listener) => { toPage = listener; },
    onNavigate: () => undefined,
  }, log);
  const client = desktopClient(api);
  if (!client) throw new Error('desktopClient made no client from a preload API');
  return client;
}
