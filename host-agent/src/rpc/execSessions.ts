// Running exec/enter processes of one RPC connection: output streamed as execOutput events
// (paused while the client is slow to read), stdin/resize/signal by session id, execExit at the end.
import { finished } from 'node:stream/promises';
import type { AgentEventData } from '../../../shared/protocol/events';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import type { GuestProcess } from '../driver';
import { AgentError } from '../errors/agentError';
import { randomUUID } from '../../../shared/node/lazyBuiltins';

export const MAX_SESSIONS = 64;

export interface EventSender {
  /** Returns false when the output is congested (wait for whenDrained). */
  send(event: 'execOutput', data: AgentEventData<'execOutput'>): boolean;
  send(event: 'execExit', data: AgentEventData<'execExit'>): boolean;
  whenDrained(): Promise<void>;
}

interface Session {
  process: GuestProcess;
  guest: string;
  /** Resolves when the session ends or is hung up: input still waiting for the pipe is given up. */
  gone: Promise<void>;
  end: () => void;
}

export class ExecSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly events: EventSender) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Registers the process and starts streaming; the returned id is what the client uses afterwards. */
  adopt(guest: string, process: GuestProcess): string {
    const session = randomUUID();
    let end: () => void = () => undefined;
    const gone = new Promise<void>((resolve) => { end = resolve; });
    this.sessions.set(session, { process, guest, gone, end });
    for (const [stream, readable] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
      readable.on('data', (chunk: Buffer | string) => {
        const data = (typeof chunk === 'string' ? Buffer.from(chunk) : chunk).toString('base64');
        if (!this.events.send('execOutput', { session, stream, data })) {
          readable.pause();
          void this.events.whenDrained().then(() => readable.resume());
        }
      });
    }
    // execExit comes after the last output byte, so the client never loses a tail.
    const streamed = Promise.all([process.stdout, process.stderr].map((readable) => finished(readable).catch(() => undefined)));
    process.stdin.on('error', () => undefined);
    // A process whose end cannot be read is reported as failed (255), never left open.
    void Promise.all([process.exited.catch(() => 255), streamed]).then(([code]) => {
      this.sessions.delete(session);
      end();
      this.events.send('execExit', { session, code });
    });
    return session;
  }

  assertRoom(): void {
    if (this.sessions.size >= MAX_SESSIONS) {
      throw new AgentError(ERROR_CODES.busy, `this connection already runs ${MAX_SESSIONS} exec sessions; wait for one to end`);
    }
  }

  private get(session: string): Session {
    const found = this.sessions.get(session);
    if (!found) throw new AgentError(ERROR_CODES.notFound, `no running exec session ${session} (it has ended or never existed)`);
    return found;
  }

  /**
   * Answers once the bytes are in the command's pipe, so a client that waits for each answer
   * never piles its input up in the agent. A command that stopped reading (closed its stdin)
   * is not an error here: its exit code tells what happened, as in a shell pipe.
   */
  async stdin(session: string, data: string | undefined, eof: boolean | undefined): Promise<void> {
    const { process, gone } = this.get(session);
    if (data) await Promise.race([gone, new Promise<void>((resolve) => { process.stdin.write(Buffer.from(data, 'base64'), () => resolve()); })]);
    if (eof) process.stdin.end();
  }

  resize(session: string, cols: number, rows: number): Promise<void> {
    const { process, guest } = this.get(session);
    if (!process.resize) throw new AgentError(ERROR_CODES.unsupported, `exec session ${session} in guest '${guest}' has no terminal to resize`);
    return process.resize(cols, rows);
  }

  signal(session: string, signal: NodeJS.Signals): void {
    this.get(session).process.kill(signal);
  }

  /** The client is gone: hang up every session as a closed terminal would. */
  hangUpAll(): void {
    for (const { process, end } of this.sessions.values()) {
      end();
      process.stdin.end();
      process.kill('SIGHUP');
    }
  }
}
