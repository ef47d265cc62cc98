// The 3-host lab the fleet benchmarks share, and onboarding onto it: the first connect (key
// approval, agent upload, sync) and a second connect from a fresh core that uploads nothing.
import path from 'node:path';
import { labDown, labUp, type Lab } from '../../lab/lab';
import { onboardLabHosts, removeDataDir, startCore, unpinAgentBundle, type CoreHandle } from '../../core/support/coreOnLab';
import type { CleanupStack } from '../benchCleanup';
import type { BenchRecorder } from '../report/benchRecorder';

/** The scale lab's name and subnet, with 3 hosts: the bench's labs run one after another. */
export const FLEET_LAB = { name: 'bench20', subnet: '10.213.144.0/24', hosts: 3 };
const BENCHMARK = 'fleet onboarding';
/** The busybox guest the fleet benchmarks build on lab-1 and delete at the end. */
export const BENCH_GUEST = { host: 'lab-1', name: 'benchguest', xid: 4120 } as const;

export interface BenchFleet {
  lab: Lab;
  core: CoreHandle['core'];
  hostNames: string[];
}

export async function startBenchFleet(recorder: BenchRecorder, cleanup: CleanupStack, agentBundlePath: string | undefined): Promise<BenchFleet> {
  await labDown({ name: FLEET_LAB.name });
  cleanup.add(`lab ${FLEET_LAB.name}`, () => labDown({ name: FLEET_LAB.name }));
  const lab = await labUp(FLEET_LAB);
  const hostNames = lab.hosts.map((host) => host.name);
  cleanup.add('pinned agent bundle', () => unpinAgentBundle());
  const bundleOption = agentBundlePath ? { agentBundlePath } : {};

  const first = await startCore(bundleOption);
  cleanup.add(`fleet core data folder ${first.dataDir}`, () => removeDataDir(first));
  const closeFirst = cleanup.add('first fleet core', () => first.close());
  const firstBegan = performance.now();
  await onboardLabHosts(first.core, lab);
  const firstMs = performance.now() - firstBegan;
  const notUploaded = hostNames.filter((name) => first.core.state.host(name)?.agent?.uploaded !== true);
  if (notUploaded.length > 0) throw new Error(`the first connect did not upload the agent to ${notUploaded.join(', ')}: the lab was not fresh`);
  recorder.add({
    benchmark: BENCHMARK,
    metric: `first connect of ${hostNames.length} hosts (key approved, agent uploaded, synced)`,
    value: firstMs,
    unit: 'ms',
    note: 'includes the handshake that offers the unknown key before approval',
  });
  await closeFirst.run();

  const second = await startCore({ ...bundleOption, dataDir: first.dataDir });
  cleanup.add('fleet core', () => second.close());
  const secondBegan = performance.now();
  const statuses = await second.core.invoke('hosts.connect', { names: hostNames, timeoutMs: 60_000 });
  const secondMs = performance.now() - secondBegan;
  for (const status of statuses) {
    if (status.connection !== 'connected') throw new Error(`Host ${status.name}: second connect ended ${status.connection}: ${status.error ?? 'no error given'}`);
    if (status.agent?.uploaded !== false) throw new Error(`Host ${status.name}: the second connect uploaded the agent again (${path.basename(status.agent?.file ?? '?')})`);
  }
  recorder.add({ benchmark: BENCHMARK, metric: `second connect of ${hostNames.length} hosts from a new core (nothing uploaded)`, value: secondMs, unit: 'ms' });
  return { lab, core: second.core, hostNames };
}
