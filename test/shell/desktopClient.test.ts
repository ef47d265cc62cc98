// The views' client in the desktop app, end to end in Node (support/desktopClientOnCore.ts:
// desktopClient, the preload's API, the main process's BridgeIpc, the real bridge connection) on a
// real fleet core with no hosts and a data folder of its own. Only Electron's IPC between the two
// halves is left out: messages pass as the same JSON strings, in order.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetCore, type FleetCore } from '../../electron/core/fleet';
import { desktopClient } from '../../renderer/src/api/desktopClient';
import { VfleetCallError, type VfleetClient } from '../../renderer/src/api/vfleetClient';
import type { FleetDelta, FleetSnapshot } from '../../shared/api/fleetState';
import { desktopClientOnCore } from './support/desktopClientOnCore';

let dataDir: string;
let core: FleetCore;
let client: VfleetClient;
const mainLog: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vfleet-desktop-client-'));
  core = await createFleetCore({ dataDir, knownHostsFiles: [] });
  client = desktopClientOnCore(core, (line) => mainLog.push(line));
});

afterAll(async () => {
  await core.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the desktop client', () => {
  it('is absent outside the desktop app (no preload API)', () => {
    expect(desktopClient(undefined)).toBeUndefined();
  });

  it("calls the core's API and resolves with its result", async () => {
    const added = await client.call('hosts.add', { name: 'db-1', address: '10.213.145.20', auth: { kind: 'agent' } });
    expect(added).toMatchObject({ name: 'db-1', address: '10.213.145.20' });
    expect((await client.call('hosts.list', {})).map((host) => host.name)).toEqual(['db-1']);
    await client.call('hosts.remove', { name: 'db-1' });
  });

  it('rejects with a VfleetCallError that says what failed and where', async () => {
    const error = await client.call('hosts.remove', { name: 'nosuch' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VfleetCallError);
    expect((error as VfleetCallError).error).toMatchObject({ kind: 'invalid', host: 'nosuch' });
    expect((error as VfleetCallError).message).toMatch(/nosuch/);
    const invalid = await client.call('hosts.add', { name: '', address: '' } as never).catch((caught: unknown) => caught);
    expect((invalid as VfleetCallError).error.kind).toBe('invalid');
    expect(core.registry.list()).toEqual([]);
  });

  it('cancels a call whose signal aborts, in the core', async () => {
    const controller = new AbortController();
    const listing = client.call('hosts.list', {}, { signal: controller.signal });
    controller.abort();
    await expect(listing).rejects.toMatchObject({ error: { kind: 'cancelled' } });
    await expect(client.call('hosts.list', {}, { signal: controller.signal })).rejects.toMatchObject({ error: { kind: 'cancelled', message: 'hosts.list was cancelled before it started' } });
  });

  it('delivers the fleet feed: a snapshot, then the deltas of a change', async () => {
    const snapshots: FleetSnapshot[] = [];
    const deltas: FleetDelta[] = [];
    let sawHost: () => void = () => undefined;
    const hostArrived = new Promise<void>((resolve) => { sawHost = resolve; });
    const unsubscribe = client.subscribe((snapshot) => snapshots.push(snapshot), (batch) => {
      deltas.push(...batch);
      if (batch.some((delta) => delta.type === 'host' && delta.host.name === 'web-9')) sawHost();
    });
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]?.hosts).toEqual([]);
    await core.invoke('hosts.add', { name: 'web-9', address: '10.213.145.21', auth: { kind: 'agent' } });
    await hostArrived;
    unsubscribe();
    await core.invoke('hosts.remove', { name: 'web-9' });
    expect(deltas.find((delta) => delta.type === 'host')).toMatchObject({ host: { name: 'web-9', connection: 'disconnected' } });
  });

  it('left nothing refused or unanswered on the way', () => {
    expect(mainLog).toEqual([]);
  });
});
