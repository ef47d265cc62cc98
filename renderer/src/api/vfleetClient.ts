// What the views talk to: the fleet core's API, its feed and terminals, over whichever bridge the
// page has (the desktop app's preload, or browser mode's WebSocket). Both implementations speak
// shared/api/bridge.ts; the views never know which one they have.
import type { BridgeError } from '../../../shared/api/bridge';
import type { FleetApiMethod, FleetApiParams, FleetApiResult } from '../../../shared/api/fleetApi';
import type { FleetDelta, FleetSnapshot } from '../../../shared/api/fleetState';
import type { GuestRef } from '../../../shared/api/guestActions';

/** A failed call as the views show it: what failed, where (host, guest), and whether it was refused, cancelled or busy. */
export class VfleetCallError extends Error {
  constructor(readonly error: BridgeError) {
    super(error.message);
    this.name = 'VfleetCallError';
  }
}

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface TerminalHandle {
  write(data: string): void;
  resize(size: TerminalSize): void;
  close(): void;
}

export interface TerminalHandlers {
  output(bytes: Uint8Array): void;
  exit(code: number): void;
}

export interface VfleetClient {
  /** One app API call; rejects with VfleetCallError. Aborting the signal cancels it in the core. */
  call<M extends FleetApiMethod>(method: M, params: FleetApiParams<M>, options?: { signal?: AbortSignal }): Promise<FleetApiResult<M>>;
  /** The fleet feed: one snapshot (again after a reconnect), then deltas in order. Returns the unsubscribe. */
  subscribe(onSnapshot: (snapshot: FleetSnapshot) => void, onDeltas: (deltas: FleetDelta[]) => void): () => void;
  /** A shell in the guest on a pty. */
  openTerminal(ref: GuestRef, size: TerminalSize, handlers: TerminalHandlers): Promise<TerminalHandle>;
}
