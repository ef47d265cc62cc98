// The views' VfleetClient in the desktop app: window.vfleet, the preload's API, made into the
// interface browser mode's client has too (calls that reject with VfleetCallError, an AbortSignal
// that cancels, terminal output as bytes).
import type { DesktopApi, DesktopOutcome } from '../../../shared/api/desktopApi';
import { VfleetCallError, type VfleetClient } from './vfleetClient';

declare global {
  interface Window {
    /** Set by the desktop app's preload; absent in browser mode. */
    readonly vfleet?: DesktopApi;
  }
}

function valueOf<T>(outcome: DesktopOutcome<T>): T {
  if (!outcome.ok) throw new VfleetCallError(outcome.error);
  return outcome.value;
}

function bytesOf(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The desktop app's client on `desktopClient(window.vfleet)`, or undefined outside the app (no preload: browser mode). */
export function desktopClient(api: DesktopApi | undefined): VfleetClient | undefined {
  if (!api) return undefined;
  let nextCancelKey = 0;
  return {
    async call(method, params, options = {}) {
      const { signal } = options;
      if (signal?.aborted) throw new VfleetCallError({ message: `${method} was cancelled before it started`, kind: 'cancelled' });
      const cancelKey = `call-${nextCancelKey++}`;
      const cancel = (): void => api.cancel(cancelKey);
      signal?.addEventListener('abort', cancel, { once: true });
      try {
        // One function per method: the table's own key picks it, params typed by the same table.
        return valueOf(await api.methods[method](params, cancelKey));
      } finally {
        signal?.removeEventListener('abort', cancel);
      }
    },
    subscribe: (onSnapshot, onDeltas) => api.subscribe(onSnapshot, onDeltas),
    async openTerminal(ref, size, handlers) {
      const { terminal } = valueOf(await api.terminalOpen(ref, size, {
        output: (base64) => handlers.output(bytesOf(base64)),
        exit: (code) => handlers.exit(code),
      }));
      return {
        write: (data) => api.terminalInput(terminal, data),
        resize: (next) => api.terminalResize(terminal, next),
        close: () => api.terminalClose(terminal),
      };
    },
  };
}
