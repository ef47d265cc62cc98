// The checks every IPC message of the desktop bridge passes before the core sees it: the sender
// (our window's main frame on vfleet://app) and the payload (one string within the size limit).
// Electron's IpcMainEvent cannot be made here; the events are plain objects of the same shape.
import { describe, expect, it } from 'vitest';
import { BRIDGE_MAX_MESSAGE_BYTES } from '../../shared/api/bridge';
import { checkIpcPayload, checkIpcSender, type IpcFrame, type IpcSenderEvent } from '../../electron/shell/bridgeIpc';

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

describe('the IPC payload check', () => {
  it('accepts one string up to the bridge limit, counted in UTF-8 bytes', () => {
    expect(checkIpcPayload(['{"type":"subscribe"}'])).toBeUndefined();
    expect(checkIpcPayload(['x'.repeat(BRIDGE_MAX_MESSAGE_BYTES)])).toBeUndefined();
  });

  it('refuses an oversized payload, multi-byte characters counted as bytes', () => {
    expect(checkIpcPayload(['x'.repeat(BRIDGE_MAX_MESSAGE_BYTES + 1)])).toMatch(/at least 2097153 bytes, more than 2097152/);
    expect(checkIpcPayload(['é'.repeat(BRIDGE_MAX_MESSAGE_BYTES / 2 + 1)])).toMatch(/at least 2097154 bytes/);
  });

  it('refuses what is not one string: objects, buffers, numbers, null, several arguments, none', () => {
    expect(checkIpcPayload([{ type: 'subscribe' }])).toMatch(/payload is object, not a JSON string/);
    expect(checkIpcPayload([new Uint8Array(4)])).toMatch(/payload is object/);
    expect(checkIpcPayload([42])).toMatch(/payload is number/);
    expect(checkIpcPayload([null])).toMatch(/payload is null/);
    expect(checkIpcPayload(['{}', '{}'])).toMatch(/2 arguments, not one/);
    expect(checkIpcPayload([])).toMatch(/0 arguments, not one/);
  });
});
