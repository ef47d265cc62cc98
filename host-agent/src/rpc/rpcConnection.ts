// One JSON-lines conversation: each line is parsed and validated once, here, before anything acts
// on it; handlers get the parsed params. Every bad line gets an error response naming the cause,
// and the connection keeps serving. Results are checked by the receiving core. Each request runs
// with an abort signal of its own, aborted by a `cancel` naming its id or by the agent's shutdown.
import { describeIssues } from '../../../shared/protocol/checked';
import type { AgentEventData, AgentEventName } from '../../../shared/protocol/events';
import { checkAgentParams, isAgentMethod, type AgentMethodName } from '../../../shared/protocol/methods';
import { ERROR_CODES, MAX_LINE_BYTES, requestIdSchema, requestSchema, type RequestId } from '../../../shared/protocol/envelope';
import { AgentError, asAgentError } from '../errors/agentError';
import type { AgentContext } from '../operations/agentContext';
import { ExecSessions } from './execSessions';
import { GuestStateWatcher } from './guestStateWatcher';
import { HealthSampler } from './healthSampler';
import { createLineSplitter, type LineSplitter } from '../../../shared/framing/jsonLines';
import { createMethodHandlers, type MethodHandlers } from './methodHandlers';

export interface LineOutput {
  /** Returns false when the peer is slow (buffered output above the high-water mark). */
  write(line: string): boolean;
  whenDrained(): Promise<void>;
}

/** The id of a request that failed validation, when it has a usable one. */
function salvageId(value: unknown): RequestId | null {
  if (typeof value !== 'object' || value === null || !('id' in value)) return null;
  const id = requestIdSchema.safeParse((value as { id: unknown }).id);
  return id.success ? id.data : null;
}

export class RpcConnection {
  private readonly splitter: LineSplitter;
  private readonly handlers: MethodHandlers;
  private readonly inFlight = new Set<Promise<void>>();
  /** The abort controller of each request still running, by id. */
  private readonly running = new Map<RequestId, AbortController>();
  readonly sessions: ExecSessions;
  private readonly shutdownSignal: AbortSignal;
  private readonly stateWatcher: GuestStateWatcher;
  private readonly healthSampler: HealthSampler;

  constructor(
    context: AgentContext,
    private readonly output: LineOutput,
    shutdownSignal: AbortSignal,
  ) {
    this.splitter = createLineSplitter(
      (text) => this.handleLine(text),
      (bytes) => this.respondError(null, new AgentError(ERROR_CODES.invalidRequest, `a request line is longer than ${MAX_LINE_BYTES} bytes (${bytes} seen); it was dropped`)),
    );
    this.sessions = new ExecSessions({
      send: (event, data) => this.sendEvent(event, data),
      whenDrained: () => output.whenDrained(),
    });
    this.stateWatcher = new GuestStateWatcher(context, (data) => this.sendEvent('guestState', data));
    this.healthSampler = new HealthSampler(
      context,
      (sample) => this.sendEvent('healthSample', sample),
      (error) => this.sendEvent('agentError', { source: 'healthSample', message: asAgentError(error).reason, time: Date.now() }),
    );
    this.handlers = createMethodHandlers(context, {
      sessions: this.sessions,
      stateWatcher: this.stateWatcher,
      healthSampler: this.healthSampler,
      cancelRequest: (id) => this.cancelRequest(id),
      shutdownSignal,
      migrationProgress: (data) => { this.sendEvent('migrationProgress', data); },
    });
    shutdownSignal.addEventListener('abort', () => {
      for (const controller of this.running.values()) controller.abort();
    }, { once: true });
    this.shutdownSignal = shutdownSignal;
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  /** Input ended: answers every request already received, then resolves. */
  async finish(): Promise<void> {
    this.splitter.end();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    this.stateWatcher.stop();
    this.healthSampler.stop();
  }

  private handleLine(text: string): void {
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.respondError(null, new AgentError(ERROR_CODES.parseError, `the request is not valid JSON (${(error as Error).message})`));
      return;
    }
    const request = requestSchema.safeParse(value);
    if (!request.success) {
      this.respondError(salvageId(value), new AgentError(ERROR_CODES.invalidRequest, `the request is malformed: ${describeIssues(request.error)} (expected {id, method, params})`));
      return;
    }
    const { id, method, params } = request.data;
    if (!isAgentMethod(method)) {
      this.respondError(id, new AgentError(ERROR_CODES.methodNotFound, `unknown method '${method.slice(0, 64)}'`));
      return;
    }
    const parsed = checkAgentParams(method, params);
    if (!parsed.ok) {
      this.respondError(id, new AgentError(ERROR_CODES.invalidParams, `invalid parameters for ${method}: ${parsed.problem}`));
      return;
    }
    const work = this.run(id, method, parsed.value);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async run(id: RequestId, method: AgentMethodName, params: unknown): Promise<void> {
    const controller = new AbortController();
    if (this.shutdownSignal.aborted) controller.abort();
    // A cancel names the newest request of its id (an id is the client's to keep unique).
    this.running.set(id, controller);
    try {
      const handler = this.handlers[method] as (params: unknown, signal: AbortSignal) => Promise<unknown>;
      this.output.write(JSON.stringify({ id, result: await handler(params, controller.signal) }));
    } catch (error) {
      this.respondError(id, asAgentError(error));
    } finally {
      if (this.running.get(id) === controller) this.running.delete(id);
    }
  }

  /** Aborts the request `id` if it is still running; true when it was. */
  private cancelRequest(id: RequestId): boolean {
    const controller = this.running.get(id);
    if (!controller || controller.signal.aborted) return controller !== undefined;
    controller.abort();
    return true;
  }

  private respondError(id: RequestId | null, error: AgentError): void {
    this.output.write(JSON.stringify({ id, error }));
  }

  private sendEvent<E extends AgentEventName>(event: E, data: AgentEventData<E>): boolean {
    return this.output.write(JSON.stringify({ event, data }));
  }
}
