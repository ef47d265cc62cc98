// The core's end of the agent protocol on one exec channel: numbered requests with timeouts and
// cancellation, pushed events, and the one schema check of every line the agent sends. Cancelling
// a call of a method the agent can stop (CANCELLABLE_METHODS) sends it a `cancel` and waits for
// the call's own answer, which comes once the host has cleaned up; any other call just stops waiting.
import { EventEmitter } from 'node:events';
import type { ClientChannel } from 'ssh2';
import { formatBytes } from '../../../shared/format/byteSize';
import { ERROR_CODES, eventSchema, MAX_LINE_BYTES, responseSchema } from '../../../shared/protocol/envelope';
import { ProtocolError } from '../../../shared/protocol/errors';
import { checkAgentEvent, isAgentEvent } from '../../../shared/protocol/events';
import { CANCELLABLE_METHODS, checkAgentResult, type AgentMethodName, type AgentParams, type AgentResult } from '../../../shared/protocol/methods';
import { HostError, hostFailureMessage } from '../ssh/sshErrors';
import { createLineSplitter, encodeLine } from '../../../shared/framing/jsonLines';

export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** How long a cancelled call waits for the agent to confirm that it stopped the work and cleaned up. */
const CANCEL_CONFIRM_MS = 120_000;
const STDERR_TAIL_BYTES = 4096;

/**
 * An error the agent answered with (or the call met on the way): `code` is one of ERROR_CODES (busy,
 * notFound, ...), the reason comes without any place, and the message names this core's host and
 * the guest once, in the fleet's wording.
 */
export class AgentCallError extends HostError {
  readonly code: number;

  constructor(host: string, readonly method: string, failure: ProtocolError, guest = failure.guest) {
    super(host, failure.reason, 'permanent', guest);
    this.name = 'AgentCallError';
    this.code = failure.code;
  }
}

function callFailure(code: number, reason: string): ProtocolError {
  return new ProtocolError(code, reason);
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Named in errors. */
  guest?: string;
}

interface PendingCall {
  method: AgentMethodName;
  guest: string | undefined;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  cleanup: () => void;
}

interface RpcEvents {
  event: [name: string, data: unknown];
  protocolError: [message: string];
  closed: [HostError];
}

export class AgentRpcClient extends EventEmitter<RpcEvents> {
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private closedWith: HostError | undefined;
  private stderrTail = '';

  constructor(private readonly host: string, private readonly channel: ClientChannel) {
    super();
    const splitter = createLineSplitter((line) => this.onLine(line), (bytes, head) => this.onOversizedLine(bytes, head));
    channel.on('data', (chunk: Buffer) => splitter.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    channel.on('close', () => this.onClose());
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** What the agent process wrote to stderr lately (sudo prompts, crashes). */
  get stderr(): string {
    return this.stderrTail;
  }

  call<M extends AgentMethodName>(method: M, params: AgentParams<M>, options: CallOptions = {}): Promise<AgentResult<M>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (options.signal?.aborted) return Promise.reject(this.cancelled(method, options.guest));
    const id = this.nextId++;
    return new Promise<AgentResult<M>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
      let timer = setTimeout(() => {
        const reason = `the agent did not answer '${method}' within ${Math.round(timeoutMs / 1000)} s`;
        this.settle(id, new AgentCallError(this.host, method, callFailure(ERROR_CODES.timeout, reason), options.guest));
      }, timeoutMs);
      const onAbort = (): void => {
        if (!CANCELLABLE_METHODS.includes(method)) {
          this.settle(id, this.cancelled(method, options.guest));
          return;
        }
        // The agent stops the work on the host and answers this call itself (cancelled, or its result had it finished).
        this.channel.write(encodeLine({ id: this.nextId++, method: 'cancel', params: { id } }));
        clearTimeout(timer);
        timer = setTimeout(() => {
          const reason = `'${method}' was cancelled, but the agent did not confirm within ${CANCEL_CONFIRM_MS / 1000} s that it stopped; check the host`;
          this.settle(id, new AgentCallError(this.host, method, callFailure(ERROR_CODES.timeout, reason), options.guest));
        }, CANCEL_CONFIRM_MS);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        method,
        guest: options.guest,
        resolve: resolve as (result: unknown) => void,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        },
      });
      this.channel.write(encodeLine(params === undefined ? { id, method } : { id, method, params }));
    });
  }

  close(): void {
    this.channel.end();
    this.channel.close();
  }

  private cancelled(method: string, guest: string | undefined): AgentCallError {
    return new AgentCallError(this.host, method, callFailure(ERROR_CODES.cancelled, `'${method}' was cancelled`), guest);
  }

  private settle(id: number, outcome: Error | { result: unknown }): void {
    const call = this.pending.get(id);
    if (!call) return;
    this.pending.delete(id);
    call.cleanup();
    if (outcome instanceof Error) call.reject(outcome);
    else call.resolve(outcome.result);
  }

  private onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.emit('protocolError', hostFailureMessage(this.host, { reason: `the agent sent a line that is not JSON: ${line.slice(0, 120)}` }));
      return;
    }
    // Only a line with an `event` key can be one: a response is not parsed as an event first.
    const event = typeof message === 'object' && message !== null && 'event' in message ? eventSchema.safeParse(message) : undefined;
    if (event?.success) {
      this.onEvent(event.data.event, event.data.data);
      return;
    }
    const response = responseSchema.safeParse(message);
    if (!response.success || typeof response.data.id !== 'number') {
      this.emit('protocolError', hostFailureMessage(this.host, { reason: `the agent sent a message that is neither a response nor an event: ${line.slice(0, 120)}` }));
      return;
    }
    const call = this.pending.get(response.data.id);
    if (!call) return;
    if ('error' in response.data) {
      const failure = ProtocolError.fromRpc(response.data.error);
      this.settle(response.data.id, new AgentCallError(this.host, call.method, failure, call.guest ?? failure.guest));
      return;
    }
    // The one check of a result: what the caller gets is the parsed value.
    const result = checkAgentResult(call.method, response.data.result);
    if (!result.ok) {
      const reason = `the agent's answer to '${call.method}' does not match the protocol: ${result.problem}`;
      this.settle(response.data.id, new AgentCallError(this.host, call.method, callFailure(ERROR_CODES.invalidRequest, reason), call.guest));
      return;
    }
    this.settle(response.data.id, { result: result.value });
  }

  /** A dropped answer fails its call at once, naming the size, instead of leaving it to time out. */
  private onOversizedLine(bytes: number, head: string): void {
    const id = /^\s*\{\s*"id"\s*:\s*(\d+)\s*,/.exec(head)?.[1];
    const call = id === undefined ? undefined : this.pending.get(Number(id));
    const size = `${bytes} bytes, over the protocol limit of ${MAX_LINE_BYTES} bytes (${formatBytes(MAX_LINE_BYTES, 'iec')})`;
    if (!call) {
      this.emit('protocolError', hostFailureMessage(this.host, { reason: `the agent sent a line of ${size}; it was dropped` }));
      return;
    }
    const reason = `the agent's answer to '${call.method}' is ${size}; it was dropped`;
    this.settle(Number(id), new AgentCallError(this.host, call.method, callFailure(ERROR_CODES.failed, reason), call.guest));
  }

  private onEvent(name: string, data: unknown): void {
    if (!isAgentEvent(name)) return;
    const parsed = checkAgentEvent(name, data);
    if (!parsed.ok) {
      this.emit('protocolError', hostFailureMessage(this.host, { reason: `the agent's '${name}' event does not match the protocol` }));
      return;
    }
    this.emit('event', name, parsed.value);
  }

  private onClose(): void {
    const why = this.stderrTail.trim().split('\n').at(-1);
    this.closedWith = new HostError(this.host, `the connection to the agent was lost${why ? ` (${why})` : ''}`, 'unreachable');
    for (const [id, call] of this.pending) {
      const reason = `the connection to the agent was lost while waiting for '${call.method}'`;
      this.settle(id, new HostError(this.host, reason, 'unreachable', call.guest));
    }
    this.emit('closed', this.closedWith);
  }
}
