// The window's remembered place and view: saved through the real electron-store (in plain Node,
// see ../core/support/electronStoreInNode) into window.json, and restored onto a display that is
// attached now, or centred on the primary one when its display is gone.
import '../core/support/electronStoreInNode';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWindowStateStore, type WindowState } from '../../electron/adapters/windowStateStore';
import { DEFAULT_WINDOW_SIZE, rememberedRoute, restoreWindowBounds, type WorkArea } from '../../electron/shell/windowPlacement';

let scratch: string;
const logged: string[] = [];
const log = (line: string): void => { logged.push(line); };
beforeAll(async () => { scratch = await mkdtemp(path.join(tmpdir(), 'vfleet-window-')); });
afterAll(() => rm(scratch, { recursive: true, force: true }));

const laptop: WorkArea = { x: 0, y: 0, width: 1920, height: 1050 };
const monitorRight: WorkArea = { x: 1920, y: 0, width: 2560, height: 1400 };
const state = (bounds: WindowState['bounds'], extra: Partial<WindowState> = {}): WindowState => ({ bounds, maximized: false, ...extra });

describe('where the window opens', () => {
  it('where it was, on the display it was on', () => {
    const saved = state({ x: 2100, y: 120, width: 1400, height: 900 });
    expect(restoreWindowBounds(saved, [laptop, monitorRight], laptop)).toEqual(saved.bounds);
  });

  it('centred on the primary display when the display it was on is gone', () => {
    const saved = state({ x: 2100, y: 120, width: 1400, height: 900 });
    expect(restoreWindowBounds(saved, [laptop], laptop)).toEqual({ x: 260, y: 75, width: 1400, height: 900 });
  });

  it('centred when only its bottom or a sliver of it shows: the title bar must be reachable', () => {
    expect(restoreWindowBounds(state({ x: 100, y: -700, width: 1000, height: 800 }), [laptop], laptop)).toEqual({ x: 460, y: 125, width: 1000, height: 800 });
    expect(restoreWindowBounds(state({ x: 1880, y: 100, width: 1000, height: 800 }), [laptop], laptop)).toEqual({ x: 460, y: 125, width: 1000, height: 800 });
  });

  it('moved and shrunk to fit a display it overhangs, or a smaller one than it was saved on', () => {
    expect(restoreWindowBounds(state({ x: 1500, y: 500, width: 1000, height: 800 }), [laptop], laptop)).toEqual({ x: 920, y: 250, width: 1000, height: 800 });
    const small: WorkArea = { x: 0, y: 0, width: 1280, height: 700 };
    expect(restoreWindowBounds(state({ x: 10, y: 10, width: 2400, height: 1300 }), [small], small)).toEqual({ x: 0, y: 0, width: 1280, height: 700 });
  });

  it('at the default size, centred, the first time', () => {
    expect(restoreWindowBounds(undefined, [laptop], laptop)).toEqual({ x: 320, y: 125, ...DEFAULT_WINDOW_SIZE });
    const offset: WorkArea = { x: -1280, y: 200, width: 1280, height: 1000 };
    expect(restoreWindowBounds(undefined, [offset, laptop], offset)).toEqual({ x: -1280, y: 300, ...DEFAULT_WINDOW_SIZE });
  });
});

describe('the view remembered', () => {
  it("is the app's hash route, never the palette or another page's", () => {
    expect(rememberedRoute('vfleet://app/index.html#/guests/lab-1/web1')).toBe('#/guests/lab-1/web1');
    expect(rememberedRoute('vfleet://app/index.html#/hosts/lab%202')).toBe('#/hosts/lab%202');
    expect(rememberedRoute('vfleet://app/index.html')).toBeUndefined();
    expect(rememberedRoute('vfleet://app/index.html#/palette')).toBeUndefined();
    expect(rememberedRoute('vfleet://app/index.html#javascript:alert(1)')).toBeUndefined();
    expect(rememberedRoute(`vfleet://app/index.html#/${'x'.repeat(600)}`)).toBeUndefined();
    expect(rememberedRoute('https://example.com/#/fleet')).toBeUndefined();
  });
});

describe('the window state store', () => {
  it('keeps size, position, maximised and the last view in window.json across restarts', async () => {
    const directory = await mkdtemp(path.join(scratch, 'store-'));
    const first = await openWindowStateStore(directory, log);
    expect(first.load()).toBeUndefined();
    const saved = state({ x: 2100, y: 120, width: 1400, height: 900 }, { maximized: true, route: '#/guests/lab-1/web1' });
    await first.save(saved);
    expect(JSON.parse(await readFile(path.join(directory, 'window.json'), 'utf8'))).toEqual({ version: 1, window: saved });
    expect((await openWindowStateStore(directory, log)).load()).toEqual(saved);
  });

  it('refuses an invalid state and keeps the one stored', async () => {
    const directory = await mkdtemp(path.join(scratch, 'store-'));
    const store = await openWindowStateStore(directory, log);
    const good = state({ x: 0, y: 0, width: 800, height: 600 });
    await store.save(good);
    await expect(store.save(state({ x: 0, y: 0, width: 0, height: 600 }))).rejects.toThrow(/width/);
    await expect(store.save(state({ x: 0.5, y: 0, width: 800, height: 600 }))).rejects.toThrow();
    await expect(store.save({ ...good, route: 'javascript:alert(1)' })).rejects.toThrow(/not a route of the app/);
    expect((await openWindowStateStore(directory, log)).load()).toEqual(good);
  });

  it('starts afresh from a damaged window.json, moving it aside', async () => {
    const directory = await mkdtemp(path.join(scratch, 'store-'));
    await writeFile(path.join(directory, 'window.json'), '{"version":1,"window":{"bounds":"everywhere"}}');
    const store = await openWindowStateStore(directory, log);
    expect(store.load()).toBeUndefined();
    expect(logged.at(-1)).toMatch(/window\.json is damaged \(window\.bounds: .*\)\. It was moved to .*window\.json\.corrupt-/);
    expect((await readdir(directory)).filter((name) => name.startsWith('window.json.corrupt-'))).toHaveLength(1);
    await store.save(state({ x: 1, y: 2, width: 800, height: 600 }));
    expect((await openWindowStateStore(directory, log)).load()?.bounds).toEqual({ x: 1, y: 2, width: 800, height: 600 });
  });
});
