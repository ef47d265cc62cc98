// A browser's side of browser mode, as plain as the wire: raw HTTP requests (paths sent exactly
// as written, no normalisation), the token exchange, and a real `ws` WebSocket to /bridge with a
// chosen Cookie and Origin, its messages collected in a BridgeInbox.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { WebSocket } from 'ws';
import type { BridgeClientMessage, BridgeServerMessage } from '../../../shared/api/bridge';
import { BridgeInbox } from './bridgeInbox';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function httpGet(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** The cookie browser mode sets for the printed address's token, as `name=value`. */
export async function exchangeToken(url: string): Promise<string> {
  const address = new URL(url);
  const answer = await httpGet(Number(address.port), `${address.pathname}${address.search}`);
  const cookie = answer.headers['set-cookie']?.[0]?.split(';')[0];
  if (answer.status !== 303 || !cookie) throw new Error(`the token exchange answered ${answer.status}`);
  return cookie;
}

export type Upgrade = { opened: BridgeSocket } | { refused: number };

/** Opens /bridge; resolves with the socket, or with the HTTP status that refused the upgrade. */
export function openBridgeSocket(port: number, headers: { cookie?: string; origin?: string }, path = '/bridge'): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
      headers: headers.cookie !== undefined ? { Cookie: headers.cookie } : {},
      ...(headers.origin !== undefined ? { origin: headers.origin } : {}),
    });
    ws.once('open', () => resolve({ opened: new BridgeSocket(ws) }));
    ws.once('unexpected-response', (_request, response) => {
      resolve({ refused: response.statusCode ?? 0 });
      response.resume();
      ws.terminate();
    });
    ws.once('error', (error) => { if (ws.readyState === WebSocket.CONNECTING) reject(error); });
  });
}

export class BridgeSocket {
  readonly inbox = new BridgeInbox();
  /** The close code and reason, once closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private nextId = 1;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.inbox.push(JSON.parse(data.toString('utf8'))));
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
    ws.on('error', () => undefined);
  }

  send(message: BridgeClientMessage | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** A fresh request id. */
  id(): number {
    return this.nextId++;
  }

  async call(method: string, params: unknown): Promise<Extract<BridgeServerMessage, { type: 'result' | 'error' }>> {
    const id = this.id();
    this.send({ type: 'call', id, method, params });
    return this.inbox.answer(id);
  }

  /** The result of a call that must succeed. */
  async result(method: string, params: unknown): Promise<unknown> {
    const answer = await this.call(method, params);
    if (answer.type !== 'result') throw new Error(`${method} failed: ${JSON.stringify(answer.error)}`);
    return answer.result;
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close(1000);
    return this.closed;
  }
}
