// The main process's end of the desktop bridge: every IPC message on DESKTOP_BRIDGE_CHANNEL is
// checked before the core sees it. The sender must be the main frame of our window showing the
// app's origin (not a subframe, another window, or a page navigated elsewhere, file:// included),
// with one payload; the bridge connection then checks that payload as it does a WebSocket frame
// (a string, at most BRIDGE_MAX_MESSAGE_BYTES, JSON, a bridge message). Refusals are logged. The
// event types are the parts of Electron's IpcMainEvent read here, so this runs in plain Node too.
import type { BridgeServerMessage } from '../../shared/api/bridge';
import type { BridgeConnection } from '../core/bridge/bridgeConnection';
import { isAppUrl } from './appProtocol';

/** What identifies a frame: Electron's WebFrameMain has these. */
export interface IpcFrame {
  readonly url: string;
  readonly processId: number;
  readonly routingId: number;
  readonly parent: unknown;
}

/** The parts of Electron's IpcMainEvent the checks read. */
export interface IpcSenderEvent {
  readonly sender: { readonly id: number; readonly mainFrame: IpcFrame };
  /** Null when the frame navigated away or was destroyed since it sent. */
  readonly senderFrame: IpcFrame | null;
}

/** Why a message from this sender is refused, or undefined when it comes from our window's main frame on the app's origin. */
export function checkIpcSender(event: IpcSenderEvent, windowContentsId: number): string | undefined {
  if (event.sender.id !== windowContentsId) return `it came from another web contents (${event.sender.id}), not the vfleet window`;
  const frame = event.senderFrame;
  if (frame === null) return 'its frame is gone (navigated away or closed)';
  const main = event.sender.mainFrame;
  if (frame.parent !== null || frame.processId !== main.processId || frame.routingId !== main.routingId) return `it came from a subframe (${frame.url})`;
  if (!isAppUrl(frame.url)) return `its frame shows ${frame.url}, not the app`;
  return undefined;
}

/** The parts of Electron's did-start-navigation details read here. */
export interface NavigationStart {
  readonly url: string;
  readonly isMainFrame: boolean;
  readonly isSameDocument: boolean;
}

/**
 * Whether a navigation that starts replaces the window's page (a reload, or another app page): then
 * the old page's bridge connection ends. Not a hash change, a subframe, or a navigation off the app
 * (will-navigate refuses those, but they are reported as started first, and the page stays).
 */
export function replacesPage(navigation: NavigationStart): boolean {
  return navigation.isMainFrame && !navigation.isSameDocument && isAppUrl(navigation.url);
}

export interface BridgeIpcOptions {
  /** The window's webContents id: the only sender accepted. */
  windowContentsId: number;
  /** Opens the bridge connection of one page load (openBridgeConnection on the core). */
  open(send: (message: BridgeServerMessage) => void): BridgeConnection;
  /** Sends one encoded message to the window's page. */
  post(raw: string): void;
  log(line: string): void;
}

/** One window's bridge: a connection per page load, opened by its first message and closed by reset() (a new page, or none). */
export class BridgeIpc {
  private connection: BridgeConnection | undefined;
  /** Counts page loads, so a late answer of a replaced page's connection never reaches the next page. */
  private page = 0;

  constructor(private readonly options: BridgeIpcOptions) {}

  /** ipcMain's listener on DESKTOP_BRIDGE_CHANNEL. */
  accept(event: IpcSenderEvent, ...args: unknown[]): void {
    const sender = checkIpcSender(event, this.options.windowContentsId);
    if (sender !== undefined) return this.options.log(`vfleet: refused an IPC message: ${sender}`);
    if (args.length !== 1) {
      const reason = `an IPC message carries one payload, not ${args.length}`;
      this.options.log(`vfleet: refused an IPC message from the window: ${reason}`);
      return this.options.post(JSON.stringify({ type: 'refused', reason } satisfies BridgeServerMessage));
    }
    if (!this.connection) {
      const page = this.page;
      this.connection = this.options.open((message) => { if (page === this.page) this.options.post(JSON.stringify(message)); });
    }
    this.connection.receive(args[0]);
  }

  /** The page is replaced or gone: its calls, feed and terminals end with it. */
  reset(): void {
    this.page++;
    this.connection?.close();
    this.connection = undefined;
  }
}
