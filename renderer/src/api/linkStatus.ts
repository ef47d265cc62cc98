// Whether the page is connected to the fleet core: what the "connection to the core lost,
// retrying" banner shows. The WebSocket client reports its socket here; a front end whose
// bridge cannot drop (the desktop preload) stays 'open'.

export interface LinkStatus {
  state: 'connecting' | 'open' | 'lost';
  /** Failed attempts since the link was last open. */
  attempt: number;
  /** When the next attempt starts (ms since the epoch), while lost. */
  retryAt?: number;
  /** What the last failure said, for the banner. */
  reason?: string;
}

export interface LinkStatusSource {
  get(): LinkStatus;
  subscribe(listener: () => void): () => void;
}

/** A status that only changes when told to, for clients that own a socket. */
export class LinkStatusCell implements LinkStatusSource {
  private status: LinkStatus;
  private readonly listeners = new Set<() => void>();

  constructor(initial: LinkStatus) {
    this.status = initial;
  }

  get = (): LinkStatus => this.status;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set(status: LinkStatus): void {
    this.status = status;
    for (const listener of this.listeners) listener();
  }
}

/** The status of a bridge that is always there (the desktop app's IPC). */
export const alwaysOpen: LinkStatusSource = new LinkStatusCell({ state: 'open', attempt: 0 });
