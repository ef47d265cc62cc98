// Child-process entry of the core-memory benchmark (its own heap, --expose-gc): `node --expose-gc
// --import tsx coreMemoryMain.ts LAB GUESTS SECONDS BUNDLE` connects a fleet core (1 Hz health, one
// subscriber that drops the deltas, as a window would draw them) to every host of the lab, waits for
// GUESTS guests per host, then weighs itself every tenth of SECONDS (RSS, and the heap after a full
// GC) and prints one JSON report line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { createFleetCore } from '../../../electron/core/fleet';
import { labAttach } from '../../lab/lab';
import { addLabHosts, FAST_CONNECTIONS, waitFor } from '../../core/support/coreOnLab';
import { connectAll } from '../fleet/fleetScale';
import type { CoreMemoryReport } from './coreMemoryReport';

const [labName, guestsText, secondsText, bundlePath] = process.argv.slice(2);
const guestsPerHost = Number(guestsText);
const seconds = Number(secondsText);
if (!labName || !Number.isInteger(guestsPerHost) || guestsPerHost < 1 || !(seconds > 0) || !bundlePath) {
  console.error('usage: coreMemoryMain.ts LAB GUESTS-PER-HOST SECONDS AGENT-BUNDLE');
  process.exit(2);
}
if (typeof global.gc !== 'function') {
  console.error('coreMemoryMain.ts needs --expose-gc');
  process.exit(2);
}
const collect = global.gc;

const lab = await labAttach({ name: labName });
const dataDir = await mkdtemp(path.join(tmpdir(), 'vfleet-core-memory-'));
const core = await createFleetCore({ dataDir, knownHostsFiles: [lab.knownHostsPath], connection: FAST_CONNECTIONS, agentBundlePath: bundlePath });
core.subscribe(() => undefined);
try {
  await addLabHosts(core, lab);
  const names = lab.hosts.map((host) => host.name);
  await connectAll(core, lab);
  await waitFor(`${guestsPerHost} guests on each host`, () => names.every((name) => (core.state.host(name)?.guests.length ?? 0) >= guestsPerHost), 120_000);
  const guests = names.reduce((sum, name) => sum + (core.state.host(name)?.guests.length ?? 0), 0);
  const points: CoreMemoryReport['points'] = [];
  const began = Date.now();
  const weigh = (): void => {
    collect();
    const usage = process.memoryUsage();
    points.push({ atSeconds: (Date.now() - began) / 1000, rssBytes: usage.rss, heapUsedBytes: usage.heapUsed + usage.arrayBuffers });
  };
  weigh();
  for (let step = 1; step <= 10; step += 1) {
    await new Promise((resolve) => setTimeout(resolve, (seconds * 1000) / 10));
    weigh();
  }
  const usage = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((space) => [space.space_name, space.space_used_size]));
  const breakdown = { heapUsedBytes: usage.heapUsed, heapTotalBytes: usage.heapTotal, arrayBuffersBytes: usage.arrayBuffers, externalBytes: usage.external, spaces };
  const report: CoreMemoryReport = { hosts: names.length, guests, seconds, points, breakdown };
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await core.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);
