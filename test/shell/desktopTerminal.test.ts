// A guest terminal as the desktop app's views open it (support/desktopClientOnCore.ts: desktopClient,
// the preload's API, the main process's BridgeIpc, the real bridge connection) on a real core
// managing a one-host lab (lab 'shell', 10.213.145.0/24) with a busybox guest. Only Electron's IPC
// between the two halves is left out. The terminal's bytes arrive as bytes: UTF-8 typed in comes
// back whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VfleetClient } from '../../renderer/src/api/vfleetClient';
import { closeCoreAndLab, onboardLabHosts, startCore, type CoreHandle } from '../core/support/coreOnLab';
import { labDown, labUp } from '../lab/lab';
import { desktopClientOnCore } from './support/desktopClientOnCore';

const LAB = { name: 'shell', subnet: '10.213.145.0/24', hosts: 1 };

let handle: CoreHandle | undefined;
let client: VfleetClient;
const mainLog: string[] = [];

beforeAll(async () => {
  await labDown({ name: LAB.name }).catch(() => undefined);
  const lab = await labUp(LAB);
  handle = await startCore();
  await onboardLabHosts(handle.core, lab);
  client = desktopClientOnCore(handle.core, (line) => mainLog.push(line));
  await client.call('guest.build', { host: 'lab-1', build: { name: 'term', method: 'busybox', xid: 145, hostname: 'term' } });
  await client.call('guest.start', { host: 'lab-1', guest: 'term' });
});

afterAll(async () => {
  await closeCoreAndLab(handle, LAB.name);
});

describe('a guest terminal in the desktop app', () => {
  it('types into the guest, reads its answers as bytes, resizes and hangs up', async () => {
    const decoder = new TextDecoder();
    let shown = '';
    const waiters: { pattern: RegExp; resolve: () => void }[] = [];
    let exited: (code: number) => void = () => undefined;
    const exit = new Promise<number>((resolve) => { exited = resolve; });
    const terminal = await client.openTerminal({ host: 'lab-1', guest: 'term' }, { cols: 80, rows: 24 }, {
      output: (bytes) => {
        expect(bytes).toBeInstanceOf(Uint8Array);
        shown += decoder.decode(bytes, { stream: true });
        for (const waiter of waiters.filter((candidate) => candidate.pattern.test(shown))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      },
      exit: (code) => exited(code),
    });
    const printed = (pattern: RegExp): Promise<void> => (pattern.test(shown) ? Promise.resolve() : new Promise((resolve) => waiters.push({ pattern, resolve })));

    terminal.write('echo "$(hostname) says $((6*7)) ✓"\n');
    await printed(/term says 42 ✓/);
    terminal.write('while [ "$(stty size)" != "30 100" ]; do sleep 0.1; done; echo "size now $(stty size)"\n');
    terminal.resize({ cols: 100, rows: 30 });
    await printed(/size now 30 100/);
    terminal.close();
    expect(await exit).toBe(129);
    expect(mainLog).toEqual([]);
  });
});
