// The vfleet:// protocol handler as Electron's protocol.handle calls it, on a real folder laid out
// like dist/renderer: which URLs are the app's, what it serves with which headers, and every way
// out of the folder refused (decoded '..', backslashes, NUL, links leading out, other hosts).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appUrl, createAppProtocolHandler, isAppUrl } from '../../electron/shell/appProtocol';
import { DESKTOP_CONTENT_SECURITY_POLICY } from '../../electron/shell/contentSecurityPolicy';

let scratch: string;
let root: string;
const refusals: string[] = [];
let handle: (request: Request) => Promise<Response>;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'vfleet-protocol-'));
  root = path.join(scratch, 'renderer');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>vfleet</title>');
  await writeFile(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(path.join(root, 'assets', 'name with space.css'), 'body{}');
  await writeFile(path.join(scratch, 'secret.txt'), 'outside the app');
  await symlink(path.join(scratch, 'secret.txt'), path.join(root, 'assets', 'leak.txt'));
  await symlink(scratch, path.join(root, 'up'));
  handle = createAppProtocolHandler(root, (line) => refusals.push(line));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const get = (url: string, method = 'GET'): Promise<Response> => handle(new Request(url, { method }));

describe('the app origin', () => {
  it('is vfleet://app and nothing that only looks like it', () => {
    expect(appUrl()).toBe('vfleet://app/index.html');
    expect(appUrl('#/guests/lab-1/web1')).toBe('vfleet://app/index.html#/guests/lab-1/web1');
    expect(isAppUrl('vfleet://app/index.html#/fleet')).toBe(true);
    for (const url of [
      'file:///work/main/dist/renderer/index.html', 'https://app/index.html', 'vfleet://evil/index.html', 'vfleet://app.evil/index.html',
      'vfleet://user@app/index.html', 'vfleet://app:8080/index.html', 'http://127.0.0.1:5173/', 'about:blank', 'devtools://devtools/x', 'not a url',
    ]) expect(isAppUrl(url), url).toBe(false);
  });
});

describe('the vfleet:// protocol handler', () => {
  it('serves the renderer entry with its type, the CSP and nosniff', async () => {
    const response = await get('vfleet://app/index.html#/fleet');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(DESKTOP_CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(await response.text()).toBe('<!doctype html><title>vfleet</title>');
    expect((await get('vfleet://app/')).status).toBe(200);
  });

  it('serves assets, percent-encoded names included', async () => {
    const script = await get('vfleet://app/assets/index-abc.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');
    expect(await (await get('vfleet://app/assets/name%20with%20space.css')).text()).toBe('body{}');
  });

  it('refuses every path that leads out of the folder, and logs each', async () => {
    const before = refusals.length;
    const cases: [string, number][] = [
      ['vfleet://app/..%2f..%2fsecret.txt', 400],
      ['vfleet://app/assets/..%2f..%2fsecret.txt', 400],
      ['vfleet://app/%2e%2e%2fsecret.txt', 400],
      ['vfleet://app/assets%5c..%5c..%5csecret.txt', 400],
      ['vfleet://app/index.html%00.js', 400],
      ['vfleet://app/%2fetc%2fpasswd', 400],
      ['vfleet://app/assets/%E0%A4%A', 400],
      ['vfleet://app/assets/leak.txt', 403],
      ['vfleet://app/up/secret.txt', 403],
      ['vfleet://other/index.html', 404],
      ['vfleet://app/assets', 404],
      ['vfleet://app/missing.js', 404],
    ];
    for (const [url, status] of cases) {
      const response = await get(url);
      expect(response.status, url).toBe(status);
      expect(await response.text(), url).toBe('');
      expect(response.headers.get('content-security-policy'), url).toBe(DESKTOP_CONTENT_SECURITY_POLICY);
    }
    expect(refusals.length - before).toBe(cases.length);
    expect(refusals.at(-1)).toMatch(/^vfleet: refused GET vfleet:\/\/app\/missing\.js: no such file$/);
  });

  it('answers only GET and HEAD', async () => {
    expect((await get('vfleet://app/index.html', 'POST')).status).toBe(405);
    expect((await get('vfleet://app/index.html', 'PUT')).status).toBe(405);
    const head = await get('vfleet://app/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
