// The bridge's server side as the desktop IPC uses it (no transport): every message is checked
// before anything runs, unknown methods and bad params are answered 'invalid' and change nothing,
// a busy guest is 'busy', the feed is a snapshot and then batched deltas, settings are stored in
// settings.json and applied, and closing the connection ends its feed. A real core on real files;
// lab hosts are not needed here (test/bridge/browserMode.test.ts runs the same over a WebSocket on a lab).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_MAX_MESSAGE_BYTES, type BridgeServerMessage } from '../../shared/api/bridge';
import { openBridgeConnection, type BridgeConnection } from '../../electron/core/bridge/bridgeConnection';
import { createFleetCore, type FleetCore } from '../../electron/core/fleet';
import { BridgeInbox } from './support/bridgeInbox';

describe('the bridge connection of one front end', () => {
  let dataDir: string;
  let core: FleetCore;
  let inbox: BridgeInbox;
  let logged: string[];
  let connection: BridgeConnection;
  let nextId = 1;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'vfleet-bridge-'));
    core = await createFleetCore({ dataDir, knownHostsFiles: [] });
    inbox = new BridgeInbox();
    logged = [];
    connection = openBridgeConnection(core, (message) => inbox.push(message), { log: (line) => logged.push(line) });
  });

  afterAll(async () => {
    connection.close();
    await core.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const call = (method: string, params: unknown): Promise<Extract<BridgeServerMessage, { type: 'result' | 'error' }>> => {
    const id = nextId++;
    connection.receive(JSON.stringify({ type: 'call', id, method, params }));
    return inbox.answer(id);
  };
  const refusalAfter = (from: number) => inbox.next((message) => message.type === 'refused', from);
  const hostNames = async (): Promise<string[]> => {
    const answer = await call('hosts.list', {});
    if (answer.type !== 'result') throw new Error(`hosts.list failed: ${JSON.stringify(answer)}`);
    return (answer.result as Array<{ name: string }>).map((host) => host.name);
  };

  it('refuses an oversized message, malformed JSON and a message of no known shape, logs each, and runs none', async () => {
    // A valid hosts.add but for its size: if the size check failed, a host would be added.
    const oversized = JSON.stringify({ type: 'call', id: 900, method: 'hosts.add', params: { name: 'big', address: '10.0.0.1', password: 'x'.repeat(BRIDGE_MAX_MESSAGE_BYTES) } });
    let from = inbox.messages.length;
    connection.receive(oversized);
    expect(await refusalAfter(from)).toEqual({ type: 'refused', reason: `a message of ${Buffer.byteLength(oversized)} bytes is over the limit of ${BRIDGE_MAX_MESSAGE_BYTES} bytes` });

    from = inbox.messages.length;
    connection.receive('{"type":"call","id":901,');
    expect(await refusalAfter(from)).toEqual({ type: 'refused', reason: 'the message is not JSON' });

    for (const bad of [
      { type: 'call', id: -1, method: 'hosts.list', params: {} },
      { type: 'call', id: 902, method: 'hosts.add', params: { name: 'x', address: '10.0.0.1' }, extra: true },
      { type: 'launch', id: 903 },
      [1, 2, 3],
    ]) {
      from = inbox.messages.length;
      connection.receive(JSON.stringify(bad));
      expect((await refusalAfter(from)).type).toBe('refused');
    }
    from = inbox.messages.length;
    connection.receive(Buffer.from('{"type":"subscribe"}'));
    expect(await refusalAfter(from)).toEqual({ type: 'refused', reason: 'a message is one JSON text' });

    expect(logged.filter((line) => line.startsWith('refused a message: '))).toHaveLength(7);
    expect(logged.join('\n')).not.toContain('xxxxxxxx');
    expect(inbox.messages.some((message) => 'id' in message && message.id >= 900)).toBe(false);
    expect(await hostNames()).toEqual([]);
  });

  it("answers an unknown method and bad params with 'invalid' for that id, and changes nothing", async () => {
    expect(await call('hosts.format', {})).toEqual({ type: 'error', id: expect.any(Number), error: { kind: 'invalid', message: 'There is no API method "hosts.format".' } });
    expect(logged.at(-1)).toMatch(/^refused call \d+: unknown method "hosts.format"$/);

    const bad = await call('hosts.add', { name: 'bad name!', address: '10.0.0.1' });
    expect(bad).toMatchObject({ type: 'error', error: { kind: 'invalid', message: expect.stringMatching(/^hosts\.add: name: /) } });
    expect(await hostNames()).toEqual([]);
    expect(existsSync(path.join(dataDir, 'hosts.json'))).toBe(false);

    // A registry refusal is 'invalid' too, with the host it names: nothing was written.
    expect(await call('hosts.remove', { name: 'nosuch' })).toMatchObject({ type: 'error', error: { kind: 'invalid', host: 'nosuch' } });
  });

  it('streams the fleet: a snapshot first, then the changes in batches', async () => {
    const from = inbox.messages.length;
    connection.receive(JSON.stringify({ type: 'subscribe' }));
    const snapshot = await inbox.next((message) => message.type === 'snapshot', from);
    expect(snapshot).toMatchObject({ type: 'snapshot', snapshot: { hosts: [] } });

    const added = await call('hosts.add', { name: 'web-a', address: '192.0.2.10' });
    expect(added).toMatchObject({ type: 'result', result: { name: 'web-a', address: '192.0.2.10' } });
    const batch = await inbox.next((message) => message.type === 'deltas' && message.deltas.some((delta) => delta.type === 'host' && delta.host.name === 'web-a'), from);
    expect(batch.type).toBe('deltas');
    // The batch carries the summary change of the same moment with it, in the core's order.
    if (batch.type !== 'deltas') throw new Error('not a batch');
    expect(batch.deltas.map((delta) => delta.type)).toEqual(['host', 'summary']);

    connection.receive(JSON.stringify({ type: 'unsubscribe' }));
    const quiet = inbox.messages.length;
    expect(await call('hosts.remove', { name: 'web-a' })).toMatchObject({ type: 'result', result: {} });
    const marker = await call('hosts.list', {});
    expect(marker.type).toBe('result');
    expect(inbox.messages.slice(quiet).filter((message) => message.type === 'deltas' || message.type === 'snapshot')).toEqual([]);
  });

  it("answers a call on a guest that another change holds with 'busy', naming host and guest", async () => {
    const release = core.lockGuest({ host: 'web-a', guest: 'db' }, 'a migration');
    try {
      expect(await call('guest.start', { host: 'web-a', guest: 'db' })).toMatchObject({
        type: 'error', error: { kind: 'busy', host: 'web-a', guest: 'db', message: 'Host web-a, guest db: busy: a migration from this vfleet has not finished; try again when it has' },
      });
    } finally {
      release();
    }
  });

  it('reads settings, stores a change in settings.json, refuses bad values without a change, and a new core reads them back', async () => {
    expect(await call('settings.get', {})).toMatchObject({
      type: 'result', result: { healthIntervalMs: 1000, maxConcurrentConnects: 8, theme: 'system', history: { liveSeconds: 960, minutes: 1440 }, thresholds: { diskFreeFraction: 0.1 } },
    });
    const changed = await call('settings.update', { theme: 'dark', thresholds: { diskFreeFraction: 0.25 }, maxConcurrentConnects: 3 });
    expect(changed).toMatchObject({ type: 'result', result: { theme: 'dark', maxConcurrentConnects: 3, thresholds: { diskFreeFraction: 0.25, limitQuietMs: 60_000 } } });
    const file = path.join(dataDir, 'settings.json');
    const stored = await readFile(file, 'utf8');
    expect(JSON.parse(stored)).toEqual({ version: 1, changes: { theme: 'dark', thresholds: { diskFreeFraction: 0.25 }, maxConcurrentConnects: 3 } });

    for (const bad of [{ healthIntervalMs: 50 }, { theme: 'purple' }, { thresholds: { diskFreeFraction: 2 } }, { maxConcurrentConnects: 0 }, { history: { minutes: 1 } }, { colour: 'red' }]) {
      expect(await call('settings.update', bad)).toMatchObject({ type: 'error', error: { kind: 'invalid', message: expect.stringMatching(/^settings\.update: /) } });
    }
    expect(await readFile(file, 'utf8')).toBe(stored);

    const again = await createFleetCore({ dataDir, knownHostsFiles: [] });
    try {
      expect(await again.invoke('settings.get', {})).toMatchObject({ theme: 'dark', maxConcurrentConnects: 3, thresholds: { diskFreeFraction: 0.25 } });
    } finally {
      await again.close();
    }
    const audit = await core.invoke('audit.query', { action: 'settings.update' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ result: 'ok', params: { theme: 'dark' } });
  });

  it('refuses a request id that is still in use, and ignores a cancel of a call that ended', async () => {
    // A connect to an address nobody answers waits until the host is disconnected.
    await core.invoke('hosts.add', { name: 'slow', address: '192.0.2.1' });
    const id = nextId++;
    connection.receive(JSON.stringify({ type: 'call', id, method: 'hosts.connect', params: { names: ['slow'], timeoutMs: 600_000 } }));
    const from = inbox.messages.length;
    connection.receive(JSON.stringify({ type: 'call', id, method: 'hosts.remove', params: { name: 'slow' } }));
    expect(await refusalAfter(from)).toEqual({ type: 'refused', reason: `request id ${id} is still in use by a running request` });
    expect(await hostNames()).toContain('slow');
    expect(await call('hosts.disconnect', { names: ['slow'] })).toMatchObject({ type: 'result' });
    expect(await inbox.answer(id)).toMatchObject({ type: 'result', id, result: [{ name: 'slow', connection: 'disconnected' }] });

    const after = inbox.messages.length;
    connection.receive(JSON.stringify({ type: 'cancel', id }));
    expect(await call('hosts.remove', { name: 'slow' })).toMatchObject({ type: 'result' });
    expect(inbox.messages.slice(after).map((message) => message.type)).toEqual(['result']);
  });

  it('after close, answers nothing and runs nothing', async () => {
    const own = new BridgeInbox();
    const closing = openBridgeConnection(core, (message) => own.push(message), { log: (line) => logged.push(line) });
    closing.receive(JSON.stringify({ type: 'subscribe' }));
    await own.next((message) => message.type === 'snapshot', 0);
    closing.close();
    closing.receive(JSON.stringify({ type: 'call', id: 1, method: 'hosts.add', params: { name: 'late', address: '192.0.2.11' } }));
    expect(await hostNames()).toEqual([]);
    // A change now would have been a delta for a subscribed front end.
    await core.invoke('hosts.add', { name: 'seen-by-none', address: '192.0.2.12' });
    await core.invoke('hosts.remove', { name: 'seen-by-none' });
    await call('hosts.list', {});
    expect(own.messages.map((message) => message.type)).toEqual(['snapshot']);
  });
});
