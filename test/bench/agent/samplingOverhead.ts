// What the agent costs a host while the app watches it: one lab host with 50 running busybox
// guests, the agent's `serve --stdio` subscribed to health samples at 1 Hz (its guest-state
// watcher runs too, as for the app), CPU time (user + system, from /proc/<pid>/stat) over a
// window after a warm-up, and the resident memory at its end; the median of several windows,
// each with a fresh agent process. The figures are per host, so they carry over to real fleets.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { labDown, labUp } from '../../lab/lab';
import type { CleanupStack } from '../benchCleanup';
import { median } from '../report/percentiles';
import type { BenchRecorder } from '../report/benchRecorder';

const LAB = { name: 'benchsample', subnet: '10.213.123.0/24', hosts: 1 };
const HOST = 'lab-1';
const GUESTS = 50;
const WINDOW_S = 20;
const WINDOWS = 3;
const BENCHMARK = 'agent sampling overhead';

/** Inside the host: starts the agent subscribed at 1 Hz, waits, and prints "CPU-TICKS RSS-KB" for one window. */
const MEASURE_WINDOW = `
agent=$1 window=$2
fifo=$(mktemp -u /tmp/vfleet-bench-in.XXXXXX)
mkfifo "$fifo"
node "$agent" serve --stdio < "$fifo" > /dev/null &
pid=$!
exec 3> "$fifo"
printf '%s\\n' '{"id":1,"method":"hello"}' '{"id":2,"method":"subscribe","params":{"healthIntervalMs":1000}}' >&3
sleep 3
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
before=$(ticks)
sleep "$window"
after=$(ticks)
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
exec 3>&-
wait "$pid"
rm -f "$fifo"
echo "$((after - before)) $rss"
`;

export async function benchSamplingOverhead(recorder: BenchRecorder, cleanup: CleanupStack, bundlePath: string): Promise<void> {
  await labDown({ name: LAB.name });
  const lab = await labUp(LAB);
  cleanup.add(`lab ${LAB.name}`, () => labDown({ name: LAB.name }));
  // /var/tmp is shared with the lab hosts.
  const folder = await mkdtemp('/var/tmp/vfleet-bench-sample-');
  cleanup.add(`agent copy ${folder}`, () => rm(folder, { recursive: true, force: true }));
  const agent = path.join(folder, 'vfleet-agent.js');
  await copyFile(bundlePath, agent);
  const inHost = async (script: string, args: string[] = [], timeoutMs = 300_000): Promise<string> => {
    const result = await lab.exec(HOST, ['/bin/sh', '-c', script, 'bench', ...args], { timeoutMs });
    if (result.code !== 0) throw new Error(`Host ${HOST}: '${script.trim().split('\n')[0]}' failed (${result.code}): ${result.stderr.trim()}`);
    return result.stdout;
  };
  await inHost(`i=1; while [ $i -le ${GUESTS} ]; do node "$1" build s$i -m busybox --context $((5000 + i)) --hostname s$i > /dev/null && node "$1" start s$i > /dev/null || exit 1; i=$((i + 1)); done`, [agent]);
  const cpuPercents: number[] = [];
  const rssMiB: number[] = [];
  for (let window = 0; window < WINDOWS; window += 1) {
    const [ticks, rssKiB] = (await inHost(MEASURE_WINDOW, [agent, String(WINDOW_S)], (WINDOW_S + 30) * 1000)).trim().split(/\s+/).map(Number);
    cpuPercents.push(((ticks ?? NaN) / 100 / WINDOW_S) * 100);
    rssMiB.push((rssKiB ?? NaN) / 1024);
  }
  const spread = (values: number[], digits: number): string => `min ${Math.min(...values).toFixed(digits)}, max ${Math.max(...values).toFixed(digits)}`;
  recorder.add({
    benchmark: BENCHMARK,
    metric: `agent CPU (% of one core), ${GUESTS} guests sampled at 1 Hz (median of ${WINDOWS} × ${WINDOW_S} s)`,
    value: median(cpuPercents),
    unit: '%',
    target: { comparison: '<', limit: 2 },
    note: spread(cpuPercents, 1),
  });
  recorder.add({
    benchmark: BENCHMARK,
    metric: `agent RSS, ${GUESTS} guests sampled at 1 Hz`,
    value: median(rssMiB),
    unit: 'MiB',
    target: { comparison: '<', limit: 40 },
    note: `${spread(rssMiB, 0)}; Node 20 itself holds about 40 MiB before any code runs`,
  });
  await labDown({ name: LAB.name });
}
