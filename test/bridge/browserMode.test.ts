// Browser mode on a real core managing a 2-host lab, driven as a browser would: real HTTP for the
// token exchange, the cookie, the headers and the files; a real `ws` WebSocket for the bridge.
// Each refusal (token, cookie, Host, Origin, path, size, JSON, shape, method, params) is answered,
// logged without a secret and leaves the fleet as it was; over the accepted socket the feed,
// guest actions, processes, a terminal, a cancelled exec and settings work end to end on the lab.
// Debian's Chromium opens the printed address as an admin would, and a page of another origin on
// this machine (same site for cookies: only the port differs) cannot open the bridge.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_MAX_MESSAGE_BYTES, type BridgeServerMessage } from '../../shared/api/bridge';
import type { FleetSnapshot, GuestView } from '../../shared/api/fleetState';
import type { Settings } from '../../shared/api/settings';
import { contentSecurityPolicy, startBrowserMode, type BrowserMode } from '../../electron/core/bridge/browserMode';
import { labDown, labUp, type Lab } from '../lab/lab';
import { waitUntil } from '../lab/system/processTable';
import { closeCoreAndLab, onboardLabHosts, startCore, type CoreHandle } from '../core/support/coreOnLab';
import { exchangeToken, httpGet, openBridgeSocket, type BridgeSocket } from './support/browserClient';

const LAB = { name: 'bridge', subnet: '10.213.140.0/24', hosts: 2 };
const CHROMIUM = '/usr/bin/chromium';

describe('browser mode on a lab', () => {
  let lab: Lab;
  let handle: CoreHandle | undefined;
  let browser: BrowserMode | undefined;
  const logged: string[] = [];
  let port: number;
  let token: string;
  let cookie: string;
  let origin: string;
  let page: BridgeSocket;

  beforeAll(async () => {
    await labDown({ name: LAB.name }).catch(() => undefined);
    lab = await labUp(LAB);
    handle = await startCore();
    await onboardLabHosts(handle.core, lab);
    browser = await startBrowserMode({ core: handle.core, log: (line) => logged.push(line) });
    port = browser.port;
    token = new URL(browser.url).searchParams.get('token') ?? '';
    origin = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await browser?.close();
    await closeCoreAndLab(handle, LAB.name);
  });

  /** Lines logged while `work` ran. */
  const logOf = async (work: () => Promise<unknown>): Promise<string[]> => {
    const from = logged.length;
    await work();
    return logged.slice(from);
  };
  const hostNames = (): string[] => handle!.core.registry.list().map((host) => host.name).sort();
  /** Processes on a lab host whose command line is exactly `args`. */
  const processCount = async (host: string, args: string): Promise<number> =>
    (await lab.exec(host, ['ps', '-eo', 'args'])).stdout.split('\n').filter((line) => line.trim() === args).length;

  it('prints an address on 127.0.0.1 with a 32-byte token, exchanged once per browser for an HttpOnly, SameSite=Strict cookie', async () => {
    expect(browser!.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[A-Za-z0-9_-]{43}$`));
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const exchange = await httpGet(port, `/?token=${token}`);
    expect(exchange.status).toBe(303);
    expect(exchange.headers.location).toBe('/');
    const setCookie = exchange.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(new RegExp(`^vfleet_session_${port}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/$`));
    // The cookie is a secret of its own: the printed token never travels again.
    expect(setCookie).not.toContain(token);
    cookie = await exchangeToken(browser!.url);

    const index = await httpGet(port, '/', { Cookie: cookie });
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(contentSecurityPolicy(port));
    expect(index.headers['content-security-policy']).toContain(`connect-src 'self' ws://127.0.0.1:${port}`);
    expect(index.headers['content-security-policy']).toContain("script-src 'self';");
    expect(index.headers['content-security-policy']).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    expect(index.body).toContain('<div id="root"></div>');
    // The built renderer's script, served as JavaScript (nosniff makes the type binding).
    const script = /src="\.?(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    expect(script).toBeDefined();
    const asset = await httpGet(port, script!, { Cookie: cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // A view's own address is the page too (the renderer routes it).
    expect((await httpGet(port, '/hosts/lab-1', { Cookie: cookie })).body).toBe(index.body);
  });

  it('refuses, with 403, a wrong token, a missing or wrong cookie and another Host, and logs each without a secret', async () => {
    const [name] = cookie.split('=');
    const lines = await logOf(async () => {
      expect((await httpGet(port, '/')).status).toBe(403);
      expect((await httpGet(port, `/?token=${'A'.repeat(43)}`)).status).toBe(403);
      expect((await httpGet(port, '/?token=')).status).toBe(403);
      expect((await httpGet(port, '/assets/')).status).toBe(403);
      expect((await httpGet(port, '/', { Cookie: `${name}=${'B'.repeat(43)}` })).status).toBe(403);
      // A page of another name that resolves to 127.0.0.1 (DNS rebinding) has its own Host.
      expect((await httpGet(port, '/', { Cookie: cookie, Host: `vfleet.example:${port}` })).status).toBe(403);
      expect((await httpGet(port, `/?token=${token}`, { Host: `localhost:${port}` })).status).toBe(403);
    });
    expect(lines).toEqual([
      expect.stringMatching(/^browser mode: refused GET \/ from 127\.0\.0\.1:\d+: no session cookie/),
      expect.stringMatching(/^browser mode: refused GET \/ from 127\.0\.0\.1:\d+: a wrong token$/),
      expect.stringMatching(/^browser mode: refused GET \/ from 127\.0\.0\.1:\d+: a wrong token$/),
      expect.stringMatching(/^browser mode: refused GET \/assets\/ from 127\.0\.0\.1:\d+: no session cookie/),
      expect.stringMatching(/^browser mode: refused GET \/ from 127\.0\.0\.1:\d+: a wrong session cookie$/),
      expect.stringMatching(/the Host header is not 127\.0\.0\.1:\d+$/),
      expect.stringMatching(/the Host header is not 127\.0\.0\.1:\d+$/),
    ]);
    const secret = cookie.split('=')[1] ?? '';
    for (const line of logged) {
      expect(line).not.toContain(token);
      expect(line).not.toContain(secret);
    }
  });

  it('serves only files of the renderer: traversal is refused, directories have no listing, only GET and HEAD', async () => {
    const lines = await logOf(async () => {
      for (const path of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fpackage.json', '/..%5c..%5cpackage.json', '/%00index.html']) {
        const answer = await httpGet(port, path, { Cookie: cookie });
        expect(answer.status, path).toBe(403);
        expect(answer.body).not.toContain('root:');
      }
      expect((await httpGet(port, '/assets', { Cookie: cookie })).status).toBe(404);
      expect((await httpGet(port, '/assets/', { Cookie: cookie })).status).toBe(404);
      expect((await httpGet(port, '/nosuch.js', { Cookie: cookie })).status).toBe(404);
      expect((await httpGet(port, '/', { Cookie: cookie }, 'POST')).status).toBe(405);
    });
    expect(lines.filter((line) => line.includes('path traversal'))).toHaveLength(5);
    expect(lines.filter((line) => line.includes('there are no listings'))).toHaveLength(2);
    expect(lines).toHaveLength(9);
  });

  it('accepts the WebSocket only with the cookie and exactly its own Origin, and logs each refusal', async () => {
    const lines = await logOf(async () => {
      expect(await openBridgeSocket(port, { origin })).toEqual({ refused: 403 });
      expect(await openBridgeSocket(port, { origin, cookie: `${cookie.split('=')[0]}=wrong` })).toEqual({ refused: 403 });
      expect(await openBridgeSocket(port, { cookie })).toEqual({ refused: 403 });
      for (const other of ['http://evil.example', `http://localhost:${port}`, `https://127.0.0.1:${port}`, 'null', `${origin}/`]) {
        expect(await openBridgeSocket(port, { cookie, origin: other })).toEqual({ refused: 403 });
      }
      expect(await openBridgeSocket(port, { cookie, origin }, '/elsewhere')).toEqual({ refused: 404 });
    });
    expect(lines).toHaveLength(9);
    expect(lines.filter((line) => line.includes('WebSocket: the Origin is not'))).toHaveLength(6);
    const opened = await openBridgeSocket(port, { cookie, origin });
    if (!('opened' in opened)) throw new Error(`the upgrade was refused with ${opened.refused}`);
    page = opened.opened;
  });

  it('refuses malformed, misshapen and unknown-method messages and bad params over the socket, runs none, logs each', async () => {
    const before = hostNames();
    const lines = await logOf(async () => {
      page.send('{"type":"call",');
      expect(await page.inbox.next((message) => message.type === 'refused', 0)).toEqual({ type: 'refused', reason: 'the message is not JSON' });
      let from = page.inbox.messages.length;
      page.send(JSON.stringify({ type: 'call', id: 1.5, method: 'hosts.remove', params: { name: 'lab-1' } }));
      expect((await page.inbox.next((message) => message.type === 'refused', from)).type).toBe('refused');
      from = page.inbox.messages.length;
      page.send(JSON.stringify({ type: 'terminalInput', terminal: 'nope', data: 'rm -rf /\n' }));
      expect(await page.inbox.next((message) => message.type === 'refused', from)).toEqual({ type: 'refused', reason: 'there is no open terminal nope' });
      expect(await page.call('guest.format', { host: 'lab-1', guest: 'web' })).toMatchObject({ type: 'error', error: { kind: 'invalid' } });
      expect(await page.call('hosts.add', { name: 'lab-9', address: 'not an address!' })).toMatchObject({ type: 'error', error: { kind: 'invalid', message: expect.stringMatching(/^hosts\.add: address/) } });
    });
    expect(lines).toHaveLength(4);
    expect(hostNames()).toEqual(before);
  });

  it('closes a socket that sends a message over the size limit (1009), logs it, and runs nothing of it', async () => {
    const extra = await openBridgeSocket(port, { cookie, origin });
    if (!('opened' in extra)) throw new Error('refused');
    const before = hostNames();
    const lines = await logOf(async () => {
      // A valid hosts.add but for its size: run, it would add lab-9.
      extra.opened.send(JSON.stringify({ type: 'call', id: 1, method: 'hosts.add', params: { name: 'lab-9', address: '10.213.140.9', password: 'x'.repeat(BRIDGE_MAX_MESSAGE_BYTES) } }));
      expect((await extra.opened.closed).code).toBe(1009);
    });
    expect(lines).toEqual([expect.stringMatching(/^browser 127\.0\.0\.1:\d+: refused a message: Max payload size exceeded$/)]);
    expect(extra.opened.inbox.messages).toEqual([]);
    expect(hostNames()).toEqual(before);
  });

  it("subscribes: a snapshot of the lab's hosts, then the core's deltas as they come", async () => {
    const from = page.inbox.messages.length;
    page.send({ type: 'subscribe' });
    const snapshot = await page.inbox.next((message): message is Extract<BridgeServerMessage, { type: 'snapshot' }> => message.type === 'snapshot', from);
    const hosts = (snapshot.snapshot as FleetSnapshot).hosts;
    expect(hosts.map((host) => [host.name, host.connection, host.agent?.driver])).toEqual([['lab-1', 'connected', 'namespaces'], ['lab-2', 'connected', 'namespaces']]);
    const health = await page.inbox.next((message) => message.type === 'deltas' && message.deltas.some((delta) => delta.type === 'health' && delta.host === 'lab-2'), from);
    expect(health.type).toBe('deltas');
  });

  it('builds and starts a guest through calls, and lists its processes with its init', async () => {
    const from = page.inbox.messages.length;
    const built = await page.result('guest.build', { host: 'lab-1', build: { name: 'web', method: 'busybox', xid: 141, hostname: 'web' } }) as GuestView;
    expect(built).toMatchObject({ host: 'lab-1', name: 'web', state: 'stopped' });
    const started = await page.result('guest.start', { host: 'lab-1', guest: 'web' }) as GuestView;
    expect(started.state).toBe('running');
    expect((await lab.exec('lab-1', ['kill', '-0', String(started.initPid)])).code).toBe(0);
    // The feed told the page too.
    await page.inbox.next((message) => message.type === 'deltas' && message.deltas.some((delta) => delta.type === 'guest' && delta.guest.name === 'web' && delta.guest.state === 'running'), from);

    const processes = await page.result('guest.processes', { host: 'lab-1', guest: 'web' }) as { rows: Array<{ pid: number; xid: number; context: string; command: string }> };
    const init = processes.rows.find((row) => row.pid === started.initPid);
    expect(init).toMatchObject({ xid: 141, context: 'web' });
    expect(processes.rows.every((row) => row.xid === 141)).toBe(true);
    expect(await page.call('guest.processes', { host: 'lab-1', guest: 'nosuch' })).toMatchObject({ type: 'error', error: { kind: 'failed', host: 'lab-1', guest: 'nosuch' } });
  });

  it('runs a terminal in the guest: types, reads the answer, resizes, closes with an exit, audited as guest.enter', async () => {
    const id = page.id();
    page.send({ type: 'terminalOpen', id, ref: { host: 'lab-1', guest: 'web' }, cols: 80, rows: 24 });
    const opened = await page.inbox.answer(id);
    if (opened.type !== 'result') throw new Error(`terminalOpen failed: ${JSON.stringify(opened.error)}`);
    const terminal = (opened.result as { terminal: string }).terminal;
    /** Waits until the terminal has printed `pattern`; a wait that ends says what the terminal showed instead. */
    const printed = async (pattern: RegExp): Promise<void> => {
      let bound: NodeJS.Timeout | undefined;
      const shown = page.inbox.next(() => pattern.test(page.inbox.terminalText(terminal)), 0);
      const stuck = new Promise<never>((_resolve, reject) => {
        bound = setTimeout(() => reject(new Error(`the terminal never printed ${pattern}; it showed ${JSON.stringify(page.inbox.terminalText(terminal))}`)), 60_000);
      });
      try {
        await Promise.race([shown, stuck]);
      } finally {
        clearTimeout(bound);
      }
    };

    page.send({ type: 'terminalInput', terminal, data: 'echo $((6*7))\n' });
    await printed(/(^|\n)42\r?\n/);
    // The shell waits for the new size itself, so the check does not race the resize.
    page.send({ type: 'terminalInput', terminal, data: 'while [ "$(stty size)" != "30 100" ]; do sleep 0.1; done; echo "size now $(stty size)"\n' });
    page.send({ type: 'terminalResize', terminal, cols: 100, rows: 30 });
    await printed(/(^|\n)size now 30 100\r?\n/);
    page.send({ type: 'terminalClose', terminal });
    const exit = await page.inbox.next((message) => message.type === 'terminalExit' && message.terminal === terminal, 0);
    // Hung up: 128 + SIGHUP.
    expect(exit).toEqual({ type: 'terminalExit', terminal, code: 129 });

    const audit = await handle!.core.invoke('audit.query', { action: 'guest.enter' });
    expect(audit).toEqual([expect.objectContaining({ host: 'lab-1', guest: 'web', result: 'ok', params: { host: 'lab-1', guest: 'web', cols: 80, rows: 24 } })]);
  });

  it("cancels a long guest.exec: the call ends 'cancelled' and the command is gone from the host", async () => {
    const id = page.id();
    page.send({ type: 'call', id, method: 'guest.exec', params: { host: 'lab-1', guest: 'web', argv: ['sleep', '30'] } });
    expect(await waitUntil(async () => (await processCount('lab-1', 'sleep 30')) === 1, 20_000, 100)).toBe(true);
    page.send({ type: 'cancel', id });
    expect(await page.inbox.answer(id)).toEqual({ type: 'error', id, error: { kind: 'cancelled', message: 'cancelled by the front end' } });
    expect(await waitUntil(async () => (await processCount('lab-1', 'sleep 30')) === 0, 20_000, 100)).toBe(true);
  });

  it('answers a call whose result is over the size limit with an error saying so, and the page goes on', async () => {
    const lines = await logOf(async () => {
      // Each stream keeps 1 MiB: the two together, as JSON, are more than a front end takes.
      const answer = await page.call('guest.exec', { host: 'lab-1', guest: 'web', argv: ['sh', '-c', 'head -c 1100000 /dev/zero | tr "\\0" a; head -c 1100000 /dev/zero | tr "\\0" b >&2'] });
      expect(answer).toMatchObject({ type: 'error', error: { kind: 'failed', message: expect.stringMatching(new RegExp(`^The answer to guest\\.exec is \\d+ bytes, more than a front end takes \\(${BRIDGE_MAX_MESSAGE_BYTES} bytes\\)`)) } });
    });
    expect(lines).toEqual([expect.stringMatching(/answer to guest\.exec is \d+ bytes, over the limit/)]);
    expect(await page.result('guest.exec', { host: 'lab-1', guest: 'web', argv: ['echo', 'still here'] })).toMatchObject({ exitCode: 0, stdout: 'still here\n' });
  });

  it('hangs up the terminals of a page that goes away', async () => {
    const other = await openBridgeSocket(port, { cookie, origin });
    if (!('opened' in other)) throw new Error('refused');
    const id = other.opened.id();
    other.opened.send({ type: 'terminalOpen', id, ref: { host: 'lab-1', guest: 'web' }, cols: 80, rows: 24 });
    const opened = await other.opened.inbox.answer(id);
    if (opened.type !== 'result') throw new Error('terminalOpen failed');
    const terminal = (opened.result as { terminal: string }).terminal;
    other.opened.send({ type: 'terminalInput', terminal, data: 'sleep 4242\n' });
    expect(await waitUntil(async () => (await processCount('lab-1', 'sleep 4242')) === 1, 20_000, 100)).toBe(true);
    await other.opened.close();
    expect(await waitUntil(async () => (await processCount('lab-1', 'sleep 4242')) === 0, 20_000, 100)).toBe(true);
  });

  it("cancels a terminal's opening: it ends 'cancelled' and no shell is left in the guest", async () => {
    const shells = (): Promise<number> => processCount('lab-1', '/bin/sh -l');
    expect(await waitUntil(async () => (await shells()) === 0, 20_000, 100)).toBe(true);
    const id = page.id();
    page.send({ type: 'terminalOpen', id, ref: { host: 'lab-1', guest: 'web' }, cols: 80, rows: 24 });
    page.send({ type: 'cancel', id });
    expect(await page.inbox.answer(id)).toMatchObject({ type: 'error', id, error: { kind: 'cancelled' } });
    expect(await waitUntil(async () => (await shells()) === 0, 20_000, 100)).toBe(true);
    expect(page.inbox.messages.some((message) => message.type === 'terminalOutput' && !page.inbox.messages.some((other) => other.type === 'result' && (other.result as { terminal?: string } | undefined)?.terminal === message.terminal))).toBe(false);
  });

  it('changes settings over the socket, applied live: a disk threshold raises and clears an alert, a faster sample interval', async () => {
    const from = page.inbox.messages.length;
    const raised = await page.result('settings.update', { thresholds: { diskFreeFraction: 1 } }) as Settings;
    expect(raised.thresholds.diskFreeFraction).toBe(1);
    await page.inbox.next((message) => message.type === 'deltas' && message.deltas.some((delta) => delta.type === 'alert' && delta.alert.kind === 'diskLow' && delta.alert.host === 'lab-1'), from);
    const clearFrom = page.inbox.messages.length;
    await page.result('settings.update', { thresholds: { diskFreeFraction: 0.01 } });
    await page.inbox.next((message) => message.type === 'deltas' && message.deltas.some((delta) => delta.type === 'alertCleared'), clearFrom);

    expect(await page.call('settings.update', { healthIntervalMs: 10 })).toMatchObject({ type: 'error', error: { kind: 'invalid' } });
    expect(await page.call('settings.update', { theme: 'neon' })).toMatchObject({ type: 'error', error: { kind: 'invalid' } });
    expect((await page.result('settings.get', {}) as Settings).healthIntervalMs).toBe(1000);

    // Every connected agent is subscribed again at 200 ms: lab-2's samples come several times a second.
    await page.result('settings.update', { healthIntervalMs: 200 });
    const arrivals: number[] = [];
    const unsubscribe = handle!.core.subscribe((delta) => { if (delta.type === 'health' && delta.host === 'lab-2') arrivals.push(Date.now()); });
    try {
      expect(await waitUntil(() => arrivals.length >= 6 && arrivals.slice(-5).every((time, index, last) => index === 0 || time - (last[index - 1] ?? 0) < 600), 30_000)).toBe(true);
    } finally {
      unsubscribe();
    }
    expect((await page.result('settings.get', {}) as Settings)).toMatchObject({ healthIntervalMs: 200, thresholds: { diskFreeFraction: 0.01 } });
    // Kept for the next start: only what was changed.
    expect(JSON.parse(await readFile(path.join(handle!.dataDir, 'settings.json'), 'utf8'))).toEqual({ version: 1, changes: { healthIntervalMs: 200, thresholds: { diskFreeFraction: 0.01 } } });
  });

  it("opens in Chromium: the token becomes the cookie, the page's WebSocket gets the fleet; another origin's page is refused", async () => {
    // A page served by another port of 127.0.0.1: same site, so the cookie would go along; the Origin check stops it.
    const hostile = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    const hostilePort = (hostile.address() as AddressInfo).port;
    const chrome = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const context = await chrome.newContext();
      const tab = await context.newPage();
      const problems: string[] = [];
      tab.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
      tab.on('pageerror', (error) => problems.push(error.message));
      const answer = await tab.goto(browser!.url);
      expect(answer?.status()).toBe(200);
      expect(tab.url()).toBe(`${origin}/`);
      const cookies = await context.cookies();
      expect(cookies.map((each) => [each.name, each.httpOnly, each.sameSite])).toEqual([[`vfleet_session_${port}`, true, 'Strict']]);
      // Script cannot read the HttpOnly cookie.
      expect(await tab.evaluate(() => document.cookie)).toBe('');
      const bridgeFrom = (page: typeof tab, target: number): Promise<string> => page.evaluate((bridgePort) => new Promise<string>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${bridgePort}/bridge`);
        socket.onopen = () => socket.send(JSON.stringify({ type: 'subscribe' }));
        socket.onmessage = (event) => {
          const message = JSON.parse(String(event.data)) as { type: string; snapshot?: { hosts: Array<{ name: string }> } };
          resolve(`${message.type} ${message.snapshot?.hosts.map((host) => host.name).join(',') ?? ''}`);
          socket.close();
        };
        socket.onerror = () => resolve('refused');
      }), target);
      expect(await bridgeFrom(tab, port)).toBe('snapshot lab-1,lab-2');
      expect(problems).toEqual([]);

      const elsewhere = await context.newPage();
      await elsewhere.goto(`http://127.0.0.1:${hostilePort}/`);
      const lines = await logOf(async () => {
        expect(await bridgeFrom(elsewhere, port)).toBe('refused');
      });
      expect(lines).toEqual([expect.stringContaining(`WebSocket: the Origin is not ${origin}`)]);
    } finally {
      await chrome.close();
      await new Promise((resolve) => hostile.close(resolve));
    }
  });
});
