// The preload as built (dist/electron/preload.cjs, `npm run build`), run the way a sandboxed
// renderer runs it: in a context of its own whose `require` offers 'electron' only. Electron's
// contextBridge and ipcRenderer need the Electron binary, so 'electron' is a recorded stand-in
// here (what was exposed under which name; what was sent and listened to on which channel) and
// nothing more; the bridge messages it produces are checked against the real bridge schema. The
// context generates no code from strings, as the page's CSP allows none.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { bridgeClientMessageSchema, BRIDGE_MAX_MESSAGE_BYTES, type BridgeServerMessage } from '../../shared/api/bridge';
import { DESKTOP_BRIDGE_CHANNEL, DESKTOP_NAVIGATE_CHANNEL, type DesktopApi } from '../../shared/api/desktopApi';
import { fleetApi } from '../../shared/api/fleetApi';

const bundlePath = path.resolve(import.meta.dirname, '..', '..', 'dist', 'electron', 'preload.cjs');
let bundle: string;
beforeAll(async () => {
  bundle = await readFile(bundlePath, 'utf8').catch(() => { throw new Error(`no ${bundlePath}: run npm run build first`); });
});

/** Runs the bundle against the recorded stand-in; returns what it exposed and a way to answer it as the main process. */
function loadPreload() {
  const exposed = new Map<string, unknown>();
  const sent: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  const required: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, value: unknown) => exposed.set(name, value) },
    ipcRenderer: {
      send: (channel: string, ...args: unknown[]) => sent.push({ channel, args }),
      on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => listeners.set(channel, listener),
    },
  };
  const sandboxRequire = (name: string): unknown => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`module not found: ${name}`); // as the sandboxed preload's require answers
  };
  const warnings: string[] = [];
  const module = { exports: {} };
  // No code from strings, as under the page's CSP (no 'unsafe-eval'): zod must parse without compiling.
  const context = vm.createContext(
    { require: sandboxRequire, module, exports: module.exports, TextEncoder, console: { warn: (line: string) => warnings.push(line) } },
    { codeGeneration: { strings: false, wasm: false } },
  );
  vm.runInContext(bundle, context, { filename: bundlePath });
  const api = exposed.get('vfleet') as DesktopApi;
  const messages = () => sent.map(({ channel, args }) => {
    expect(channel).toBe(DESKTOP_BRIDGE_CHANNEL);
    expect(args).toHaveLength(1);
    return bridgeClientMessageSchema.parse(JSON.parse(args[0] as string));
  });
  const answer = (message: BridgeServerMessage): void => listeners.get(DESKTOP_BRIDGE_CHANNEL)?.({}, JSON.stringify(message));
  const navigate = (route: string): void => listeners.get(DESKTOP_NAVIGATE_CHANNEL)?.({}, route);
  return { exposed, api, messages, answer, navigate, required, warnings };
}

describe('the preload bundle', () => {
  it("requires nothing but 'electron' and exposes one API, window.vfleet", () => {
    const { exposed, required } = loadPreload();
    expect([...new Set(required)]).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['vfleet']);
  });

  it("has one function per method of the table, exactly the table's keys, and no generic invoke", () => {
    const { api } = loadPreload();
    expect(Object.keys(api).sort()).toEqual(['cancel', 'methods', 'onNavigate', 'subscribe', 'terminalClose', 'terminalInput', 'terminalOpen', 'terminalResize']);
    expect(Object.keys(api.methods)).toEqual(Object.keys(fleetApi));
    for (const method of Object.keys(fleetApi)) expect(typeof (api.methods as unknown as Record<string, unknown>)[method], method).toBe('function');
    expect(Object.isFrozen(api.methods)).toBe(true);
    const methods = api.methods as unknown as Record<string, unknown>;
    expect(() => { methods['shell.exec'] = () => undefined; }).toThrow();
    expect(methods['shell.exec']).toBeUndefined();
  });

  it('sends each call as one bridge message and resolves it with the answer for its id', async () => {
    const { api, messages, answer } = loadPreload();
    const hosts = api.methods['hosts.list']({});
    const start = api.methods['guest.start']({ host: 'lab-1', guest: 'web1' });
    expect(messages()).toEqual([
      { type: 'call', id: 0, method: 'hosts.list', params: {} },
      { type: 'call', id: 1, method: 'guest.start', params: { host: 'lab-1', guest: 'web1' } },
    ]);
    answer({ type: 'error', id: 1, error: { message: 'Host lab-1, guest web1: busy', host: 'lab-1', guest: 'web1', kind: 'busy' } });
    answer({ type: 'result', id: 0, result: [] });
    expect(await hosts).toEqual({ ok: true, value: [] });
    expect(await start).toEqual({ ok: false, error: { message: 'Host lab-1, guest web1: busy', host: 'lab-1', guest: 'web1', kind: 'busy' } });
  });

  it('cancels a call in flight by its cancel key, and refuses a key already in flight', async () => {
    const { api, messages, answer } = loadPreload();
    const exec = api.methods['fleet.exec']({ argv: ['sleep', '60'] }, 'exec-1');
    expect(await api.methods['hosts.list']({}, 'exec-1')).toMatchObject({ ok: false, error: { kind: 'invalid', message: expect.stringMatching(/already used/) } });
    api.cancel('exec-1');
    api.cancel('no-such-key');
    expect(messages().slice(1)).toEqual([{ type: 'cancel', id: 0 }]);
    answer({ type: 'error', id: 0, error: { message: 'fleet.exec was cancelled', kind: 'cancelled' } });
    expect(await exec).toMatchObject({ ok: false, error: { kind: 'cancelled' } });
    api.cancel('exec-1');
    expect(messages()).toHaveLength(2);
  });

  it('sends nothing larger than the bridge accepts, and says so', async () => {
    const { api, messages } = loadPreload();
    const outcome = await api.methods['guest.exec']({ host: 'lab-1', guest: 'web1', argv: ['cat'], stdin: 'x'.repeat(BRIDGE_MAX_MESSAGE_BYTES) });
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'invalid', message: expect.stringMatching(/more than the 2097152 the app accepts/) } });
    expect(messages()).toEqual([]);
  });

  it('sends no message the bridge schema refuses: such a request fails at once, other messages are logged', async () => {
    const { api, messages, warnings } = loadPreload();
    const tiny = await api.terminalOpen({ host: 'lab-1', guest: 'web1' }, { cols: 1, rows: 24 }, { output: () => undefined, exit: () => undefined });
    expect(tiny).toMatchObject({ ok: false, error: { kind: 'invalid', message: expect.stringMatching(/^not a message the app accepts: cols: /) } });
    api.terminalInput('no such terminal!', 'ls\r');
    api.terminalResize('t-1', { cols: 80, rows: 5000 });
    expect(messages()).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(/^vfleet: terminal input not sent: not a message the app accepts: terminal: not a terminal id/),
      expect.stringMatching(/^vfleet: terminal resize not sent: not a message the app accepts: rows: /),
    ]);
  });

  it('delivers the feed to every listener and unsubscribes when the last one leaves', () => {
    const { api, messages, answer } = loadPreload();
    const seen: string[] = [];
    const first = api.subscribe((snapshot) => seen.push(`a:snapshot ${snapshot.hosts.length}`), (deltas) => seen.push(`a:${deltas.length} deltas`));
    const second = api.subscribe(() => seen.push('b:snapshot'), () => seen.push('b:deltas'));
    answer({ type: 'snapshot', snapshot: { hosts: [], alerts: [], summary: { hosts: { total: 0, up: 0, down: 0, needAttention: 0 }, guests: { total: 0, running: 0, stopped: 0 }, cpu: { busyCpus: 0, totalCpus: 0, fraction: 0 }, memory: { usedBytes: 0, totalBytes: 0, fraction: 0 } } } });
    answer({ type: 'deltas', deltas: [{ type: 'alertCleared', id: 'diskLow:lab-1' }] });
    first();
    answer({ type: 'deltas', deltas: [] });
    second();
    expect(seen).toEqual(['a:snapshot 0', 'b:snapshot', 'a:1 deltas', 'b:deltas', 'b:deltas']);
    expect(messages()).toEqual([{ type: 'subscribe' }, { type: 'subscribe' }, { type: 'unsubscribe' }]);
  });

  it("routes a terminal's output and exit to the listener it was opened with, from its first byte", async () => {
    const { api, messages, answer } = loadPreload();
    const received: string[] = [];
    const opened = api.terminalOpen({ host: 'lab-1', guest: 'web1' }, { cols: 80, rows: 24 }, {
      output: (base64) => received.push(Buffer.from(base64, 'base64').toString()),
      exit: (code) => received.push(`exit ${code}`),
    });
    // The answer and the first output arrive together, before the caller's await resumes.
    answer({ type: 'result', id: 0, result: { terminal: 't-1' } });
    answer({ type: 'terminalOutput', terminal: 't-1', data: Buffer.from('web1:/# ').toString('base64') });
    expect(await opened).toEqual({ ok: true, value: { terminal: 't-1' } });
    api.terminalInput('t-1', 'hostname\r');
    api.terminalResize('t-1', { cols: 120, rows: 40 });
    api.terminalClose('t-1');
    answer({ type: 'terminalExit', terminal: 't-1', code: 129 });
    answer({ type: 'terminalOutput', terminal: 't-1', data: Buffer.from('late').toString('base64') });
    expect(received).toEqual(['web1:/# ', 'exit 129']);
    expect(messages()).toEqual([
      { type: 'terminalOpen', id: 0, ref: { host: 'lab-1', guest: 'web1' }, cols: 80, rows: 24 },
      { type: 'terminalInput', terminal: 't-1', data: 'hostname\r' },
      { type: 'terminalResize', terminal: 't-1', cols: 120, rows: 40 },
      { type: 'terminalClose', terminal: 't-1' },
    ]);
  });

  it("passes the shell's navigation requests on, and logs refusals and answers nobody asked for", () => {
    const { api, navigate, answer, warnings } = loadPreload();
    const routes: string[] = [];
    const stop = api.onNavigate((route) => routes.push(route));
    navigate('#/guests/lab-1/web1');
    stop();
    navigate('#/fleet');
    expect(routes).toEqual(['#/guests/lab-1/web1']);
    answer({ type: 'refused', reason: 'its payload is 3000000 bytes' });
    answer({ type: 'result', id: 99, result: null });
    expect(warnings).toEqual(['vfleet: the app refused a message: its payload is 3000000 bytes', 'vfleet: an answer for request 99, which is not in flight']);
  });
});
