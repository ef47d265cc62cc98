// Browser mode: the renderer and the bridge for a browser on this machine. One HTTP server on
// 127.0.0.1 serves the built renderer under a strict Content-Security-Policy and the bridge's
// WebSocket at /bridge. A random token printed in the address is exchanged for an HttpOnly cookie;
// nothing is served and no WebSocket is accepted without that cookie, and the WebSocket also
// needs this server's own Origin. Every refusal is logged, never with a secret's value.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { BRIDGE_MAX_MESSAGE_BYTES } from '../../../shared/api/bridge';
import { installedPath } from '../installedFiles';
import { openBridgeConnection, type BridgeCore } from './bridgeConnection';
import { rendererContentType } from './rendererContentType';

export const BRIDGE_PATH = '/bridge';
const LOOPBACK = '127.0.0.1';
/** A page that stops reading its feed is disconnected before its backlog grows past this. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** How long close() lets pages answer the closing handshake before it drops them. */
const CLOSE_GRACE_MS = 1_000;


export interface BrowserModeOptions {
  core: BridgeCore;
  /** 0 (the default): a free port. */
  port?: number;
  /** The built renderer (npm run build:renderer); default: dist/renderer of this installation. */
  rendererDir?: string;
  /** Refusals and bridge problems, one line each. */
  log: (line: string) => void;
}

export interface BrowserMode {
  /** The address to open, with the token: http://127.0.0.1:PORT/?token=... */
  url: string;
  port: number;
  /** Closes every page's bridge (their calls cancelled, terminals hung up) and the server. */
  close(): Promise<void>;
}

export function defaultRendererDir(): string {
  return installedPath(path.join('dist', 'renderer'), fileURLToPath(import.meta.url));
}

/** Compares a secret in constant time (the digests have one length whatever was sent). */
function sameSecret(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(secret));
}

function cookieValue(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/** The request's path without its query (which may hold the token), for log lines. */
function pathOf(request: IncomingMessage): string {
  return (request.url ?? '').split('?')[0]?.slice(0, 200) ?? '';
}

function peerOf(request: IncomingMessage): string {
  return `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // xterm.js themes its terminal with <style> elements of its own.
    "style-src 'self' 'unsafe-inline'",
    `connect-src 'self' ws://${LOOPBACK}:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<BrowserMode> {
  const { core, log } = options;
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new Error(`browser mode: the port must be a whole number from 0 (any free port) to 65535, not ${requestedPort}`);
  }
  const rendererDir = await realpath(options.rendererDir ?? defaultRendererDir()).catch(() => {
    throw new Error(`browser mode: the renderer is not built at ${options.rendererDir ?? defaultRendererDir()}; run npm run build:renderer`);
  });
  const token = randomBytes(32).toString('base64url');
  // The cookie carries a secret of its own: the token printed in the terminal never travels again.
  const session = randomBytes(32).toString('base64url');
  let port = requestedPort;
  // Cookies are not kept per port: two runs on one machine must not overwrite each other's.
  const cookieName = (): string => `vfleet_session_${port}`;
  const origin = (): string => `http://${LOOPBACK}:${port}`;

  const refuse = (request: IncomingMessage, reason: string): void => {
    log(`browser mode: refused ${request.method ?? '?'} ${pathOf(request)} from ${peerOf(request)}: ${reason}`);
  };

  /** Why a request is not this server's own page (DNS rebinding, another site, no cookie); undefined when it is. */
  const refusal = (request: IncomingMessage): string | undefined => {
    if (request.headers.host !== `${LOOPBACK}:${port}`) return `the Host header is not ${LOOPBACK}:${port}`;
    const cookie = cookieValue(request, cookieName());
    if (cookie === undefined) return 'no session cookie (open the address vfleet printed, with its token)';
    if (!sameSecret(cookie, session)) return 'a wrong session cookie';
    return undefined;
  };

  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
    ...extra,
  });
  const answer = (response: ServerResponse, status: number, text: string): void => {
    response.writeHead(status, headers({ 'Content-Type': 'text/plain; charset=utf-8' }));
    response.end(`${text}\n`);
  };

  /** The file a path names inside the renderer, or why it names none. */
  const fileOf = async (rawPath: string): Promise<{ file: string } | { status: number; reason: string }> => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      return { status: 400, reason: 'a path that is not valid percent-encoding' };
    }
    if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').includes('..')) {
      return { status: 403, reason: 'a path that leaves the renderer (path traversal)' };
    }
    const wanted = path.join(rendererDir, decoded === '/' ? 'index.html' : decoded);
    const found = await realpath(wanted).catch(() => undefined);
    if (found === undefined) {
      // A view's own address (no file extension) is the page itself; the renderer routes it.
      return path.extname(decoded) === '' ? { file: path.join(rendererDir, 'index.html') } : { status: 404, reason: 'no such file' };
    }
    if (!found.startsWith(`${rendererDir}${path.sep}`)) return { status: 403, reason: 'a path that leaves the renderer (a link)' };
    const info = await stat(found);
    return info.isFile() ? { file: found } : { status: 404, reason: 'a directory (there are no listings)' };
  };

  const onRequest = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      refuse(request, 'only GET and HEAD are served');
      answer(response, 405, 'Method not allowed.');
      return;
    }
    const rawPath = (request.url ?? '/').split('?')[0] ?? '/';
    const query = new URLSearchParams((request.url ?? '').split('?').slice(1).join('?'));
    const given = query.get('token');
    if (given !== null) {
      if (request.headers.host !== `${LOOPBACK}:${port}`) {
        refuse(request, `the Host header is not ${LOOPBACK}:${port}`);
        answer(response, 403, 'Forbidden.');
      } else if (!sameSecret(given, token)) {
        refuse(request, 'a wrong token');
        answer(response, 403, 'Forbidden: this is not the token vfleet printed for this run.');
      } else {
        response.writeHead(303, headers({
          'Set-Cookie': `${cookieName()}=${session}; HttpOnly; SameSite=Strict; Path=/`,
          Location: '/',
          'Content-Length': '0',
        }));
        response.end();
      }
      return;
    }
    const why = refusal(request);
    if (why !== undefined) {
      refuse(request, why);
      answer(response, 403, 'Forbidden: open the address vfleet printed for this run (with its token).');
      return;
    }
    const target = await fileOf(rawPath);
    if ('reason' in target && rawPath === '/favicon.ico') {
      // Browsers ask for it by themselves; a renderer without one is no error in their console.
      response.writeHead(204, headers());
      response.end();
      return;
    }
    if ('reason' in target) {
      refuse(request, target.reason);
      answer(response, target.status, target.status === 404 ? 'Not found.' : 'Forbidden.');
      return;
    }
    const info = await stat(target.file);
    response.writeHead(200, headers({
      'Content-Type': rendererContentType(target.file),
      'Content-Length': String(info.size),
    }));
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(target.file).on('error', () => response.destroy()).pipe(response);
  };

  const server = createServer((request, response) => {
    onRequest(request, response).catch((error: unknown) => {
      log(`browser mode: ${request.method ?? '?'} ${pathOf(request)} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) answer(response, 500, 'Internal error.');
      else response.destroy();
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: BRIDGE_MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const refuseUpgrade = (request: IncomingMessage, socket: Socket, status: string, reason: string): void => {
    refuse(request, `WebSocket: ${reason}`);
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };

  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => undefined);
    if (pathOf(request) !== BRIDGE_PATH) return refuseUpgrade(request, socket, '404 Not Found', `no WebSocket at ${pathOf(request)}`);
    if (request.headers.origin !== origin()) return refuseUpgrade(request, socket, '403 Forbidden', `the Origin is not ${origin()}`);
    const why = refusal(request);
    if (why !== undefined) return refuseUpgrade(request, socket, '403 Forbidden', why);
    sockets.handleUpgrade(request, socket, head, (ws) => bridge(ws, peerOf(request)));
  });

  const bridge = (ws: WebSocket, peer: string): void => {
    const connection = openBridgeConnection(core, (message) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        log(`browser ${peer}: the page stopped reading its messages (${ws.bufferedAmount} bytes waiting); disconnected`);
        ws.close(1008, 'the page does not read its messages');
        return;
      }
      ws.send(JSON.stringify(message));
    }, { log: (line) => log(`browser ${peer}: ${line}`) });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      // A binary frame reaches the bridge as bytes, which it refuses: messages are JSON text.
      connection.receive(isBinary ? bytes : bytes.toString('utf8'));
    });
    // An oversized or broken frame: ws closes the socket (1009 for the size) after this.
    ws.on('error', (error) => log(`browser ${peer}: refused a message: ${error.message}`));
    ws.on('close', () => connection.close());
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(requestedPort, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`browser mode: cannot listen on ${LOOPBACK}:${requestedPort} (${error.code ?? error.message})`);
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `${origin()}/?token=${token}`,
    port,
    async close() {
      const open = [...sockets.clients];
      const closed = Promise.all(open.map((ws) => new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) resolve();
        else ws.once('close', () => resolve());
      })));
      for (const ws of open) ws.close(1001, 'vfleet is stopping');
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((resolve) => { grace = setTimeout(resolve, CLOSE_GRACE_MS); })]);
      clearTimeout(grace);
      for (const ws of sockets.clients) ws.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
