// The desktop bridge's main-process end: every IPC message is checked for its sender (our window's
// main frame on vfleet://app) before the real bridge connection on a real fleet core (no hosts, a
// data folder of its own) checks its payload and runs it. Electron's IpcMainEvent cannot be made
// here; the events are plain objects of the same shape, as ipcMain would pass them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBridgeConnection } from '../../electron/core/bridge/bridgeConnection';
import { createFleetCore, type FleetCore } from '../../electron/core/fleet';
import { BridgeIpc, checkIpcSender, replacesPage, type IpcFrame, type IpcSenderEvent } from '../../electron/shell/bridgeIpc';
import { BRIDGE_MAX_MESSAGE_BYTES, bridgeServerMessageSchema, type BridgeServerMessage } from '../../shared/api/bridge';

const WINDOW = 7;
const mainFrame: IpcFrame = { url: 'vfleet://app/index.html#/fleet', processId: 11, routingId: 1, parent: null };

function event(overrides: { contentsId?: number; frame?: Partial<IpcFrame> | null } = {}): IpcSenderEvent {
  const frame = overrides.frame === null ? null : { ...mainFrame, ...overrides.frame };
  return { sender: { id: overrides.contentsId ?? WINDOW, mainFrame }, senderFrame: frame };
}

describe('the IPC sender check', () => {
  it('accepts the main frame of the vfleet window showing the app', () => {
    expect(checkIpcSender(event(), WINDOW)).toBeUndefined();
    expect(checkIpcSender(event({ frame: { url: 'vfleet://app/index.html#/guests/lab-1/web1' } }), WINDOW)).toBeUndefined();
  });

  it('refuses another window (another web contents)', () => {
    expect(checkIpcSender(event({ contentsId: 8 }), WINDOW)).toMatch(/another web contents \(8\)/);
  });

  it('refuses a subframe, even one on the app origin', () => {
    expect(checkIpcSender(event({ frame: { routingId: 5, parent: mainFrame } }), WINDOW)).toMatch(/subframe/);
    expect(checkIpcSender(event({ frame: { processId: 12, routingId: 1, parent: null } }), WINDOW)).toMatch(/subframe/);
  });

  it('refuses a main frame showing another origin: file://, the web, a look-alike host', () => {
    for (const url of ['file:///work/main/dist/renderer/index.html', 'https://example.com/', 'vfleet://evil/index.html', 'about:blank']) {
      expect(checkIpcSender(event({ frame: { url } }), WINDOW), url).toBe(`its frame shows ${url}, not the app`);
    }
  });

  it('refuses a frame that is gone', () => {
    expect(checkIpcSender(event({ frame: null }), WINDOW)).toMatch(/frame is gone/);
  });
});

describe('when a page is replaced', () => {
  it('is a new document of the app in the main frame: a reload or another app page', () => {
    expect(replacesPage({ url: 'vfleet://app/index.html', isMainFrame: true, isSameDocument: false })).toBe(true);
    expect(replacesPage({ url: 'vfleet://app/index.html#/guests', isMainFrame: true, isSameDocument: false })).toBe(true);
  });

  it('is not a hash change, a subframe, or a navigation off the app, which is refused and leaves the page as it is', () => {
    expect(replacesPage({ url: 'vfleet://app/index.html#/guests', isMainFrame: true, isSameDocument: true })).toBe(false);
    expect(replacesPage({ url: 'vfleet://app/index.html', isMainFrame: false, isSameDocument: false })).toBe(false);
    expect(replacesPage({ url: 'https://example.com/', isMainFrame: true, isSameDocument: false })).toBe(false);
    expect(replacesPage({ url: 'file:///etc/passwd', isMainFrame: true, isSameDocument: false })).toBe(false);
  });
});

describe('the IPC bridge on a real core', () => {
  let dataDir: string;
  let core: FleetCore;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'vfleet-ipc-'));
    core = await createFleetCore({ dataDir, knownHostsFiles: [] });
  });
  afterAll(async () => {
    await core.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A window's bridge; `next()` resolves with the next message posted to its page. */
  function windowBridge() {
    const posted: BridgeServerMessage[] = [];
    const waiters: ((message: BridgeServerMessage) => void)[] = [];
    const log: string[] = [];
    const bridge = new BridgeIpc({
      windowContentsId: WINDOW,
      open: (send) => openBridgeConnection(core, send, { log: (line) => log.push(line) }),
      post: (raw) => {
        const message = bridgeServerMessageSchema.parse(JSON.parse(raw));
        const waiter = waiters.shift();
        if (waiter) waiter(message);
        else posted.push(message);
      },
      log: (line) => log.push(line),
    });
    const next = (): Promise<BridgeServerMessage> => {
      const ready = posted.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiters.push(resolve));
    };
    const call = (id: number, method: string, params: unknown, from = event()): void => bridge.accept(from, JSON.stringify({ type: 'call', id, method, params }));
    return { bridge, next, call, log, posted };
  }

  const hostInput = (name: string) => ({ name, address: '10.213.145.9', auth: { kind: 'agent' } });

  it("runs a call from the window's main frame and answers it", async () => {
    const { next, call } = windowBridge();
    call(1, 'hosts.list', {});
    expect(await next()).toEqual({ type: 'result', id: 1, result: [] });
  });

  it('runs nothing a wrong sender sends, answers it nothing, and logs why', async () => {
    const { next, call, log, posted } = windowBridge();
    call(1, 'hosts.add', hostInput('from-subframe'), event({ frame: { routingId: 9, parent: mainFrame } }));
    call(2, 'hosts.add', hostInput('from-file'), event({ frame: { url: 'file:///tmp/evil.html' } }));
    call(3, 'hosts.add', hostInput('from-other-window'), event({ contentsId: 99 }));
    call(4, 'hosts.list', {});
    // Messages are handled in order: by the answer to the good one, the refused ones are done.
    expect(await next()).toEqual({ type: 'result', id: 4, result: [] });
    expect(posted).toEqual([]);
    expect(core.registry.list()).toEqual([]);
    expect(log).toEqual([
      'vfleet: refused an IPC message: it came from a subframe (vfleet://app/index.html#/fleet)',
      'vfleet: refused an IPC message: its frame shows file:///tmp/evil.html, not the app',
      'vfleet: refused an IPC message: it came from another web contents (99), not the vfleet window',
    ]);
  });

  it('refuses malformed, oversized and non-bridge payloads, and an unknown method, changing nothing', async () => {
    const { bridge, next, log } = windowBridge();
    bridge.accept(event(), '{"type":"call",');
    expect(await next()).toEqual({ type: 'refused', reason: 'the message is not JSON' });
    bridge.accept(event(), JSON.stringify({ type: 'call', id: 1, method: 'hosts.add', params: { ...hostInput('huge'), tags: ['x'.repeat(BRIDGE_MAX_MESSAGE_BYTES)] } }));
    expect(await next()).toMatchObject({ type: 'refused', reason: expect.stringMatching(/over the limit of 2097152 bytes/) });
    bridge.accept(event(), { type: 'call', id: 2, method: 'hosts.list', params: {} });
    expect(await next()).toEqual({ type: 'refused', reason: 'a message is one JSON text' });
    bridge.accept(event(), JSON.stringify({ type: 'call', id: 3, method: 'hosts.list', params: {}, extra: 1 }));
    expect(await next()).toMatchObject({ type: 'refused', reason: expect.stringMatching(/^not a bridge message/) });
    bridge.accept(event(), '{"type":"subscribe"}', 'second payload');
    expect(await next()).toEqual({ type: 'refused', reason: 'an IPC message carries one payload, not 2' });
    bridge.accept(event(), JSON.stringify({ type: 'call', id: 4, method: 'shell.exec', params: { command: 'id' } }));
    expect(await next()).toMatchObject({ type: 'error', id: 4, error: { kind: 'invalid', message: 'There is no API method "shell.exec".' } });
    bridge.accept(event(), JSON.stringify({ type: 'call', id: 5, method: 'hosts.add', params: { name: 'bad name!', address: '' } }));
    expect(await next()).toMatchObject({ type: 'error', id: 5, error: { kind: 'invalid' } });
    expect(core.registry.list()).toEqual([]);
    expect(log).toHaveLength(6);
  });

  it('ends a page’s calls and feed when the page is replaced; the new page starts afresh', async () => {
    const { bridge, next, call, posted } = windowBridge();
    bridge.accept(event(), JSON.stringify({ type: 'subscribe' }));
    expect(await next()).toMatchObject({ type: 'snapshot', snapshot: { hosts: [] } });
    call(1, 'hosts.list', {});
    bridge.reset();
    call(1, 'hosts.add', hostInput('after-reload'));
    // The first page's call and feed ended with it: the next message is the new page's answer, and no delta of its add.
    expect(await next()).toMatchObject({ type: 'result', id: 1, result: { name: 'after-reload' } });
    call(2, 'hosts.remove', { name: 'after-reload' });
    expect(await next()).toEqual({ type: 'result', id: 2, result: {} });
    expect(posted).toEqual([]);
  });
});
