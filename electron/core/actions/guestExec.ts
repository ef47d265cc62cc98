// Runs one command in a guest through its host's agent: output arrives as execOutput events and
// the end as execExit (routed per session here, for exec and for terminals alike); a timeout or a
// cancel kills the command instead of leaving it behind.
import type { ExecOutcome, GuestExecRequest } from '../../../shared/api/guestActions';
import type { AgentEventData, AgentEventName } from '../../../shared/protocol/events';
import type { HostSession } from '../agent/hostSession';
import { HostError } from '../ssh/sshErrors';

/** Output kept per stream of one command; the rest is dropped with a note, so a chatty command cannot exhaust memory. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
const DEFAULT_EXEC_TIMEOUT_MS = 300_000;

type ExecEvent = AgentEventData<'execOutput'> | AgentEventData<'execExit'>;

/** A cap on kept output bytes, possibly inside a larger one (a target's share of a fleet-wide exec). */
export class OutputBudget {
  private used = 0;

  constructor(readonly limitBytes: number, readonly scope: string, private readonly outer?: OutputBudget) {}

  /** How many of `bytes` may be kept, and which budget ran out when not all. */
  take(bytes: number): { kept: number; exhausted: OutputBudget | undefined } {
    const own = Math.min(bytes, Math.max(0, this.limitBytes - this.used));
    const outer = this.outer ? this.outer.take(own) : { kept: own, exhausted: undefined };
    this.used += outer.kept;
    return { kept: outer.kept, exhausted: outer.kept < own ? outer.exhausted : own < bytes ? this : undefined };
  }
}

class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private dropped = 0;
  private truncatedBy: OutputBudget | undefined;

  constructor(private readonly budget: OutputBudget) {}

  add(chunk: Buffer): void {
    const { kept, exhausted } = this.budget.take(chunk.length);
    if (kept > 0) this.chunks.push(kept < chunk.length ? chunk.subarray(0, kept) : chunk);
    this.dropped += chunk.length - kept;
    this.truncatedBy ??= exhausted;
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    if (this.dropped === 0 || !this.truncatedBy) return text;
    return `${text}\n[vfleet: output truncated at ${this.truncatedBy.limitBytes} bytes, ${this.truncatedBy.scope}; ${this.dropped} more bytes dropped]\n`;
  }
}

/** Raw bytes per stdin call: 256 KiB as base64, well inside the protocol's line and field limits. */
const STDIN_CHUNK_BYTES = 192 * 1024;

/**
 * Input in pieces, each sent once the agent has taken the one before (flow control); with `eof`,
 * end-of-file after the last, so a command reading stdin never waits forever.
 */
export async function sendStdin(session: HostSession, id: string, bytes: Buffer, options: { guest: string; timeoutMs?: number; eof: boolean }): Promise<void> {
  const { eof, ...callOptions } = options;
  let offset = 0;
  do {
    const piece = bytes.subarray(offset, offset + STDIN_CHUNK_BYTES);
    offset += piece.length;
    const last = offset >= bytes.length;
    if (piece.length === 0 && !(last && eof)) return;
    await session.call('stdin', { session: id, ...(piece.length > 0 ? { data: piece.toString('base64') } : {}), ...(last && eof ? { eof: true } : {}) }, callOptions);
  } while (offset < bytes.length);
}

/** What one exec or enter session reports: its output, its end, or the loss of its agent. */
export interface ExecEventHandlers {
  output(stream: 'stdout' | 'stderr', bytes: Buffer): void;
  exit(code: number): void;
  lost(error: HostError): void;
}

/**
 * Routes the events of one agent session (an exec or an enter) to its handlers. Its id is known
 * only once the agent answers, and output may come first: events until `bind` are kept, then
 * those of this id handled and the rest dropped.
 */
export function routeExecEvents(session: HostSession, handlers: ExecEventHandlers): { bind(id: string): void; close(): void } {
  let sessionId: string | undefined;
  const early: ExecEvent[] = [];
  const handle = (event: ExecEvent): void => {
    if ('code' in event) handlers.exit(event.code);
    else handlers.output(event.stream, Buffer.from(event.data, 'base64'));
  };
  const onEvent = (name: AgentEventName, data: unknown): void => {
    if (name !== 'execOutput' && name !== 'execExit') return;
    const event = data as ExecEvent;
    if (sessionId === undefined) early.push(event);
    else if (event.session === sessionId) handle(event);
  };
  const onLost = (error: HostError): void => handlers.lost(error);
  session.on('agentEvent', onEvent);
  session.on('agentLost', onLost);
  return {
    bind(id) {
      sessionId = id;
      for (const event of early.splice(0)) if (event.session === id) handle(event);
    },
    close() {
      early.length = 0;
      session.off('agentEvent', onEvent);
      session.off('agentLost', onLost);
    },
  };
}

/** `output`: one budget for both streams (fleet exec); by default each stream has MAX_OUTPUT_BYTES. */
export async function execInGuest(session: HostSession, request: GuestExecRequest, signal?: AbortSignal, output?: OutputBudget): Promise<ExecOutcome> {
  const started = Date.now();
  const { host, guest } = request;
  const perStream = (): OutputBudget => new OutputBudget(MAX_OUTPUT_BYTES, 'the limit per output stream');
  const stdout = new OutputBuffer(output ?? perStream());
  const stderr = new OutputBuffer(output ?? perStream());
  let finish: (code: number) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const exited = new Promise<number>((resolve, reject) => { finish = resolve; fail = reject; });
  // A failure before the command starts is reported through the outcome, not as an unhandled rejection.
  exited.catch(() => undefined);

  const events = routeExecEvents(session, {
    output: (stream, bytes) => (stream === 'stdout' ? stdout : stderr).add(bytes),
    exit: (code) => finish(code),
    lost: (error) => fail(new HostError(host, `${error.reason} while '${request.argv[0]}' was running`, 'unreachable', guest, error.phrasing)),
  });
  const timeoutMs = request.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => fail(new HostError(host, `'${request.argv[0]}' was cancelled`, 'permanent', guest));

  const outcome = (extra: { exitCode?: number; error?: string }): ExecOutcome => ({
    host, guest, stdout: stdout.text(), stderr: stderr.text(), durationMs: Date.now() - started, ...extra,
  });
  try {
    // Not aborted midway: a command the agent started after a cancel would run on unseen; once it
    // has an id, a cancel kills it (below).
    const reply = await session.call('exec', {
      name: guest, argv: request.argv, ...(request.env ? { env: request.env } : {}), ...(request.cwd ? { cwd: request.cwd } : {}),
    }, { guest, timeoutMs: Math.min(timeoutMs, 60_000) });
    events.bind(reply.session);
    timer = setTimeout(() => fail(new HostError(host, `'${request.argv[0]}' did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`, 'permanent', guest)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const stdinBytes = Buffer.from(request.stdin ?? '', 'utf8');
    sendStdin(session, reply.session, stdinBytes, { guest, timeoutMs, eof: true }).catch((error: Error) => {
      fail(new HostError(host, `the standard input of '${request.argv[0]}' (${stdinBytes.length} bytes) could not be sent: ${error instanceof HostError ? error.detail : error.message}`, 'permanent', guest));
    });
    try {
      return outcome({ exitCode: await exited });
    } catch (error) {
      void session.call('signal', { session: reply.session, signal: 'SIGKILL' }, { guest, timeoutMs: 10_000 }).catch(() => undefined);
      return outcome({ error: (error as Error).message });
    }
  } catch (error) {
    return outcome({ error: (error as Error).message });
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    events.close();
  }
}
