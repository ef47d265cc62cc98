// A minimal JSON-lines client for tests: requests by id, events collected, waits with a reason.
import type { ChildProcess } from 'node:child_process';

export interface AgentLine {
  id?: string | number | null;
  result?: unknown;
  error?: { code: number; message: string };
  event?: string;
  data?: unknown;
}

export class TestRpcClient {
  readonly events: AgentLine[] = [];
  private readonly waiting = new Map<string, (line: AgentLine) => void>();
  private nextId = 1;
  private pending = '';

  constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.pending += chunk.toString('utf8');
      const lines = this.pending.split('\n');
      this.pending = lines.pop() ?? '';
      for (const text of lines) {
        if (text.trim() === '') continue;
        const line = JSON.parse(text) as AgentLine;
        if (line.event) this.events.push(line);
        else this.waiting.get(String(line.id))?.(line);
      }
    });
  }

  call(method: string, params?: unknown): Promise<AgentLine> {
    return this.request(method, params).response;
  }

  /** Sends a request and hands back its id (what a `cancel` names) with its answer to come. */
  request(method: string, params?: unknown): { id: string; response: Promise<AgentLine> } {
    const id = `t${this.nextId++}`;
    const response = new Promise<AgentLine>((resolve) => {
      this.waiting.set(id, resolve);
    });
    this.child.stdin?.write(`${JSON.stringify({ id, method, params })}\n`);
    return { id, response };
  }

  async result<T>(method: string, params?: unknown): Promise<T> {
    const line = await this.call(method, params);
    if (line.error) throw new Error(`${method} failed: ${line.error.message}`);
    return line.result as T;
  }

  async waitForEvent(what: string, match: (line: AgentLine) => boolean, timeoutMs = 30_000): Promise<AgentLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} event within ${timeoutMs} ms (events seen: ${this.events.map((event) => event.event).join(', ')})`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
