// What the agent costs a host while the app watches it: one lab host with 50 running busybox
// guests, the agent's `serve --stdio` subscribed to health samples at 1 Hz (its guest-state
// watcher runs too, as for the app), CPU time (user + system, from /proc/<pid>/stat) over a
// window after a warm-up, and the resident memory at its end; the median of several windows,
// each with a fresh agent process started as the core starts it (its Node flags). Besides RSS, the
// agent's own share of it: its private (anonymous) memory, since the Node binary's mapped code is
// file memory every Node process on the host shares. The figures are per host, so they carry over
// to real fleets.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { AGENT_NODE_FLAGS } from '../../../electron/core/agent/agentInstallScript';
import { labDown, labUp } from '../../lab/lab';
import type { CleanupStack } from '../benchCleanup';
import { repeated } from '../report/benchFigure';
import type { BenchRecorder } from '../report/benchRecorder';

const LAB = { name: 'benchsample', subnet: '10.213.123.0/24', hosts: 1 };
const HOST = 'lab-1';
const BENCHMARK = 'agent sampling overhead';

export interface SamplingOptions {
  guests: number;
  windows: number;
  windowSeconds: number;
}

/** Inside the host: starts the agent subscribed at 1 Hz, waits, and prints "CPU-TICKS RSS-KB ANONYMOUS-KB" for one window. */
const MEASURE_WINDOW = `
agent=$1 window=$2
shift 2
fifo=$(mktemp -u /tmp/vfleet-bench-in.XXXXXX)
mkfifo "$fifo"
node "$@" "$agent" serve --stdio < "$fifo" > /dev/null &
pid=$!
exec 3> "$fifo"
printf '%s\\n' '{"id":1,"method":"hello"}' '{"id":2,"method":"subscribe","params":{"healthIntervalMs":1000}}' >&3
sleep 3
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
before=$(ticks)
sleep "$window"
after=$(ticks)
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
anonymous=$(awk '/^RssAnon/ { print $2 }' "/proc/$pid/status")
exec 3>&-
wait "$pid"
rm -f "$fifo"
echo "$((after - before)) $rss $anonymous"
`;

/** Inside the host: an idle Node, its RSS in KiB after a moment. */
const BARE_NODE = `
node -e 'setInterval(() => {}, 1000)' &
pid=$!
sleep 2
awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"
kill "$pid"
`;

export async function benchSamplingOverhead(recorder: BenchRecorder, cleanup: CleanupStack, bundlePath: string, options: SamplingOptions): Promise<void> {
  const { guests, windows, windowSeconds } = options;
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
  await inHost(`i=1; while [ $i -le ${guests} ]; do node "$1" build s$i -m busybox --context $((5000 + i)) --hostname s$i > /dev/null && node "$1" start s$i > /dev/null || exit 1; i=$((i + 1)); done`, [agent]);
  const cpuPercents: number[] = [];
  const rssMiB: number[] = [];
  const anonymousMiB: number[] = [];
  for (let window = 0; window < windows; window += 1) {
    const [ticks, rssKiB, anonymousKiB] = (await inHost(MEASURE_WINDOW, [agent, String(windowSeconds), ...AGENT_NODE_FLAGS], (windowSeconds + 30) * 1000)).trim().split(/\s+/).map(Number);
    cpuPercents.push(((ticks ?? NaN) / 100 / windowSeconds) * 100);
    rssMiB.push((rssKiB ?? NaN) / 1024);
    anonymousMiB.push((anonymousKiB ?? NaN) / 1024);
  }
  // What Node itself holds on this host before any code of the agent runs, for scale.
  const [bareRssKiB] = (await inHost(BARE_NODE, [])).trim().split(/\s+/).map(Number);
  const flags = AGENT_NODE_FLAGS.join(' ');
  recorder.add({
    benchmark: BENCHMARK,
    metric: `agent CPU (% of one core), ${guests} guests sampled at 1 Hz, ${windowSeconds} s windows`,
    ...repeated(cpuPercents),
    unit: '%',
    target: { comparison: '<', limit: 2 },
    note: `node ${flags}; user + system time of the agent process, its state watcher polling too`,
  });
  recorder.add({
    benchmark: BENCHMARK,
    metric: `agent RSS, ${guests} guests sampled at 1 Hz`,
    ...repeated(rssMiB),
    unit: 'MiB',
    target: { comparison: '<', limit: 40 },
    note: `an idle \`node -e setInterval\` holds ${((bareRssKiB ?? NaN) / 1024).toFixed(0)} MiB here, most of it the Node binary's code mapped from the page cache (shared by every Node process)`,
  });
  recorder.add({
    benchmark: BENCHMARK,
    metric: `agent private memory (RssAnon), ${guests} guests sampled at 1 Hz`,
    ...repeated(anonymousMiB),
    unit: 'MiB',
    note: 'the part of RSS that is the agent\'s own: heap, code, buffers',
  });
  await labDown({ name: LAB.name });
}
