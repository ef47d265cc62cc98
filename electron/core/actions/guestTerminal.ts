// A shell in a guest on a pty through its host's agent (`enter`): keystrokes in the order typed,
// resizes, and a hang-up (SIGHUP) to close it. Output and the end arrive as the session's
// execOutput and execExit events, routed as every exec's are (guestExec.ts).
import type { GuestTerminalRequest, TerminalSize } from '../../../shared/api/guestActions';
import { HostError } from '../ssh/sshErrors';
import type { FleetContext } from './fleetContext';
import { routeExecEvents, sendStdin } from './guestExec';

/** How long a hung-up shell may take to end before it is killed. */
const HANGUP_GRACE_MS = 5_000;
/** The end of a terminal whose agent was lost, as ssh reports a lost connection. */
const LOST_EXIT_CODE = 255;

export interface TerminalHandlers {
  output(bytes: Buffer): void;
  /** The shell ended with this code (128 + signal when killed); `reason` says why when its host's agent was lost instead. */
  exit(code: number, reason?: string): void;
}

export interface GuestTerminal {
  /** Keystrokes (UTF-8), delivered after every earlier write; resolves once the agent has them. Ignored after the end. */
  write(data: string): Promise<void>;
  resize(size: TerminalSize): Promise<void>;
  /** Hangs the shell up (SIGHUP, SIGKILL if it has not ended within a few seconds); the exit handler follows. */
  close(): Promise<void>;
}

export async function openGuestTerminal(
  context: FleetContext, request: GuestTerminalRequest, handlers: TerminalHandlers, signal?: AbortSignal,
): Promise<GuestTerminal> {
  const { host, guest, cols, rows } = request;
  const cancelled = (): HostError => new HostError(host, 'the terminal was cancelled', 'permanent', guest);
  if (signal?.aborted) throw cancelled();
  const session = context.session(host);
  let ended = false;
  let killTimer: NodeJS.Timeout | undefined;
  const end = (code: number, reason?: string): void => {
    if (ended) return;
    ended = true;
    if (killTimer) clearTimeout(killTimer);
    events.close();
    handlers.exit(code, reason);
  };
  const events = routeExecEvents(session, {
    output: (_stream, bytes) => { if (!ended) handlers.output(bytes); },
    exit: (code) => end(code),
    lost: (error) => end(LOST_EXIT_CODE, new HostError(host, `${error.reason}; the terminal was closed`, 'unreachable', guest, error.phrasing).message),
  });
  let id: string;
  try {
    // Not aborted midway: a shell the agent started after a cancel would be left open; it is hung up below instead.
    id = (await session.call('enter', { name: guest, cols, rows }, { guest })).session;
  } catch (error) {
    events.close();
    throw error;
  }
  events.bind(id);
  if (signal?.aborted) {
    events.close();
    ended = true;
    await session.call('signal', { session: id, signal: 'SIGHUP' }, { guest }).catch(() => undefined);
    throw cancelled();
  }

  let input: Promise<void> = Promise.resolve();
  const hangUp = async (signalName: 'SIGHUP' | 'SIGKILL'): Promise<void> => {
    // A session that ended meanwhile is what a hang-up wants.
    if (!ended) await session.call('signal', { session: id, signal: signalName }, { guest }).catch(() => undefined);
  };
  return {
    write(data) {
      if (ended) return Promise.resolve();
      const sent = input.then(() => (ended ? undefined : sendStdin(session, id, Buffer.from(data, 'utf8'), { guest, eof: false })));
      input = sent.catch(() => undefined);
      return sent;
    },
    async resize(size) {
      if (!ended) await session.call('resize', { session: id, cols: size.cols, rows: size.rows }, { guest });
    },
    async close() {
      if (ended || killTimer) return;
      killTimer = setTimeout(() => void hangUp('SIGKILL'), HANGUP_GRACE_MS);
      killTimer.unref();
      await hangUp('SIGHUP');
    },
  };
}
