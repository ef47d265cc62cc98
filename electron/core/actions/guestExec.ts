// Runs one command in a guest through its host's agent: output arrives as execOutput events and
// the end as execExit; a timeout or a cancel kills the command instead of leaving it behind.
import type { ExecOutcome, GuestExecRequest } from '../../../shared/api/guestActions';
import type { AgentEventData, AgentEventName } from '../../../shared/protocol/agentMethods';
import type { HostSession } from '../agent/hostSession';
import { HostError } from '../ssh/sshErrors';

/** Output kept per stream; the rest is dropped with a note, so a chatty command cannot exhaust memory. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
const DEFAULT_EXEC_TIMEOUT_MS = 300_000;

type ExecEvent = AgentEventData<'execOutput'> | AgentEventData<'execExit'>;

class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private dropped = 0;

  add(chunk: Buffer): void {
    const room = MAX_OUTPUT_BYTES - this.bytes;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.bytes += kept.length;
    this.dropped += chunk.length - kept.length;
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `${text}\n[vfleet: ${this.dropped} more bytes of output were dropped]\n` : text;
  }
}

export async function execInGuest(session: HostSession, request: GuestExecRequest, signal?: AbortSignal): Promise<ExecOutcome> {
  const started = Date.now();
  const { host, guest } = request;
  const stdout = new OutputBuffer();
  const stderr = new OutputBuffer();
  let sessionId: string | undefined;
  const early: ExecEvent[] = [];
  let finish: (code: number) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const exited = new Promise<number>((resolve, reject) => { finish = resolve; fail = reject; });
  // A failure before the command starts is reported through the outcome, not as an unhandled rejection.
  exited.catch(() => undefined);

  const handle = (event: ExecEvent): void => {
    if ('code' in event) finish(event.code);
    else (event.stream === 'stdout' ? stdout : stderr).add(Buffer.from(event.data, 'base64'));
  };
  const onEvent = (name: AgentEventName, data: unknown): void => {
    if (name !== 'execOutput' && name !== 'execExit') return;
    const event = data as ExecEvent;
    if (sessionId === undefined) early.push(event);
    else if (event.session === sessionId) handle(event);
  };
  const onLost = (error: HostError): void => fail(new HostError(host, `Host ${host}, guest ${guest}: ${error.message.replace(`Host ${host}: `, '')} while '${request.argv[0]}' was running`, 'unreachable', guest));
  session.on('agentEvent', onEvent);
  session.on('agentLost', onLost);
  const timeoutMs = request.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => fail(new HostError(host, `Host ${host}, guest ${guest}: '${request.argv[0]}' was cancelled`, 'permanent', guest));

  const outcome = (extra: { exitCode?: number; error?: string }): ExecOutcome => ({
    host, guest, stdout: stdout.text(), stderr: stderr.text(), durationMs: Date.now() - started, ...extra,
  });
  try {
    const reply = await session.call('exec', {
      name: guest, argv: request.argv, ...(request.env ? { env: request.env } : {}), ...(request.cwd ? { cwd: request.cwd } : {}),
    }, { guest, timeoutMs: Math.min(timeoutMs, 60_000), ...(signal ? { signal } : {}) });
    sessionId = reply.session;
    for (const event of early.splice(0)) if (event.session === sessionId) handle(event);
    timer = setTimeout(() => fail(new HostError(host, `Host ${host}, guest ${guest}: '${request.argv[0]}' did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`, 'permanent', guest)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    // The agent takes stdin as base64; end-of-file always follows so a command reading stdin cannot wait forever.
    const data = request.stdin !== undefined ? { data: Buffer.from(request.stdin, 'utf8').toString('base64') } : {};
    void session.call('stdin', { session: reply.session, ...data, eof: true }, { guest }).catch(() => undefined);
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
    session.off('agentEvent', onEvent);
    session.off('agentLost', onLost);
  }
}
