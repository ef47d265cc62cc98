// The desktop app's `window.vfleet`: the one API the preload exposes to the sandboxed renderer. A
// function per app API method, named by the method table's keys (nothing else can be called), the
// fleet feed, terminals and the shell's navigation requests (menu, notifications). Underneath, the
// preload speaks shared/api/bridge.ts over one IPC channel each way; outcomes are plain data
// because an Error's fields do not survive Electron's context bridge.
import type { BridgeError } from './bridge';
import { fleetApi, type FleetApiMethod, type FleetApiParams, type FleetApiResult } from './fleetApi';
import type { FleetDelta, FleetSnapshot } from './fleetState';
import type { GuestRef } from './guestActions';

/** The IPC channel of bridge messages, renderer to main and main to renderer (each a JSON string). */
export const DESKTOP_BRIDGE_CHANNEL = 'vfleet:bridge';
/** Main to renderer only: a hash route the window should show (a menu item, a notification's click). */
export const DESKTOP_NAVIGATE_CHANNEL = 'vfleet:navigate';

/** The app API methods window.vfleet.methods has, in the method table's order. */
export const desktopApiMethodNames = Object.keys(fleetApi) as FleetApiMethod[];

export type DesktopOutcome<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

/** One function per app API method; `cancelKey` (unique among calls in flight) lets cancel(cancelKey) abort it. */
export type DesktopApiMethods = {
  readonly [M in FleetApiMethod]: (params: FleetApiParams<M>, cancelKey?: string) => Promise<DesktopOutcome<FleetApiResult<M>>>;
};

export interface DesktopTerminalSize {
  cols: number;
  rows: number;
}

export interface DesktopTerminalListener {
  /** Base64 of the raw bytes the guest's shell wrote. */
  output(base64: string): void;
  exit(code: number): void;
}

export interface DesktopApi {
  readonly methods: DesktopApiMethods;
  /** Cancels the call in flight started with this cancel key; nothing when none is. */
  cancel(cancelKey: string): void;
  /** The fleet feed: a snapshot, then deltas in order. Returns the unsubscribe. */
  subscribe(onSnapshot: (snapshot: FleetSnapshot) => void, onDeltas: (deltas: FleetDelta[]) => void): () => void;
  terminalOpen(ref: GuestRef, size: DesktopTerminalSize, listener: DesktopTerminalListener): Promise<DesktopOutcome<{ terminal: string }>>;
  terminalInput(terminal: string, data: string): void;
  terminalResize(terminal: string, size: DesktopTerminalSize): void;
  terminalClose(terminal: string): void;
  /** Hash routes the shell asks for (desktopRoutes). Returns the unsubscribe. */
  onNavigate(listener: (route: string) => void): () => void;
}

/** The hash routes the shell sends (menu, palette shortcut, notifications) and restores at start: the views' addresses. */
export const desktopRoutes = {
  fleet: '#/',
  guests: '#/guests',
  activity: '#/activity',
  settings: '#/settings',
  /** Opens the command palette over the current view; never remembered as the last view. */
  palette: '#/palette',
  host: (host: string) => `#/hosts/${encodeURIComponent(host)}`,
  guest: (host: string, guest: string) => `#/guests/${encodeURIComponent(host)}/${encodeURIComponent(guest)}`,
} as const;

/** A hash route the shell may restore: '#/' and URL-safe path characters, at most 512. */
export function isDesktopRoute(route: string): boolean {
  return route.length <= 512 && /^#\/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*$/.test(route);
}
