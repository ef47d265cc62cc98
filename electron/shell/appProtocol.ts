// The app's own origin, vfleet://app: the privileged scheme the window loads the renderer from
// (never file://), which URLs belong to it, and the protocol handler that serves dist/renderer.
// The handler answers GET requests for files inside that folder only: a path with '..', '.', a
// backslash or a NUL after decoding, or one whose real path (links resolved) leaves the folder is
// refused, and every response carries the Content-Security-Policy.
import { realpath, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DESKTOP_CONTENT_SECURITY_POLICY } from './contentSecurityPolicy';
import { rendererContentType } from '../core/bridge/rendererContentType';

export const APP_SCHEME = 'vfleet';
export const APP_HOST = 'app';
const APP_ENTRY = 'index.html';

/** For protocol.registerSchemesAsPrivileged, before app 'ready': a standard, secure origin of its own. */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } as const;

/** The window's start URL, showing `route` (a hash route) when given. */
export function appUrl(route = ''): string {
  return `${APP_SCHEME}://${APP_HOST}/${APP_ENTRY}${route}`;
}

/** Whether `url` is of the app's own origin: vfleet://app, without user, password or port. */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}


const SECURITY_HEADERS = {
  'Content-Security-Policy': DESKTOP_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

/** The file under `root` a request names, or why it is refused (with the HTTP status to answer). */
export async function resolveAppRequest(root: string, method: string, url: string): Promise<{ file: string } | { status: number; reason: string }> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, reason: `${method} is not allowed` };
  if (!isAppUrl(url)) return { status: 404, reason: 'not of the app origin' };
  let relative: string;
  try {
    relative = decodeURIComponent(new URL(url).pathname).replace(/^\//, '') || APP_ENTRY;
  } catch {
    return { status: 400, reason: 'its path is not valid percent-encoding' };
  }
  if (/[\\\0]/.test(relative)) return { status: 400, reason: 'its path has a backslash or a NUL' };
  if (relative.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) {
    return { status: 400, reason: "its path has an empty, '.' or '..' segment" };
  }
  const realRoot = await realpath(root);
  const real = await realpath(path.join(realRoot, relative)).catch(() => undefined);
  if (real === undefined) return { status: 404, reason: 'no such file' };
  const inside = path.relative(realRoot, real);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return { status: 403, reason: 'it leads out of the app folder' };
  if (!(await stat(real)).isFile()) return { status: 404, reason: 'not a file' };
  return { file: real };
}

/** protocol.handle's handler for APP_SCHEME, serving `root` (dist/renderer); refusals are logged. */
export function createAppProtocolHandler(root: string, log: (line: string) => void): (request: Request) => Promise<Response> {
  return async (request) => {
    const resolved = await resolveAppRequest(root, request.method, request.url);
    if ('status' in resolved) {
      log(`vfleet: refused ${request.method} ${request.url}: ${resolved.reason}`);
      return new Response(null, { status: resolved.status, headers: SECURITY_HEADERS });
    }
    const type = rendererContentType(resolved.file);
    const body = request.method === 'HEAD' ? null : await readFile(resolved.file);
    return new Response(body, { status: 200, headers: { ...SECURITY_HEADERS, 'Content-Type': type } });
  };
}
