// What the agent costs a host while the app watches it: one lab host with 50 running busybox
// guests, the agent's `serve --stdio` subscribed to health samples at 1 Hz (its guest-state
// watcher runs too, as for the app), CPU time (user + system, from /proc/<pid>/stat) over a
// window after a warm-up, and the resident memory at its end; the median of several windows,
// each with a fresh agent process started as the core starts it (its Node flags). Besides RSS, the
// agent's own share of it: its private (anonymous) memory, since the Node binary's mapped code is
// file memory every Node process on the host shares. Then the agent's CPU time per `stat` and per
// `list` call, with every guest running and with 10. The figures are per host, so they carry over
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
  /** stat and list calls timed one at a time, at every guest running and at 10. */
  calls: number;
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

/**
 * Inside the host (node -e, argv: agent, calls, Node flags...): a fresh \`serve --stdio\` answers
 * \`stat\` and \`list\` one call at a time, 20 of each first to warm it; prints "METHOD MS" per
 * method, the agent process's CPU time (user + system, /proc/<pid>/stat) per call.
 */
const PER_CALL = `
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const [agent, calls, ...flags] = process.argv.slice(1);
const child = spawn('node', [...flags, agent, 'serve', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const waiting = new Map();
let buffered = '';
let next = 1;
child.stdout.on('data', (data) => {
  buffered += data;
  for (let end = buffered.indexOf('\\n'); end >= 0; end = buffered.indexOf('\\n')) {
    const reply = JSON.parse(buffered.slice(0, end));
    buffered = buffered.slice(end + 1);
    waiting.get(reply.id)?.(reply);
  }
});
const call = (method) => new Promise((resolve, reject) => {
  const id = next++;
  waiting.set(id, (reply) => reply.error ? reject(new Error(method + ': ' + reply.error.message)) : resolve());
  child.stdin.write(JSON.stringify({ id, method }) + '\\n');
});
const ticks = () => readFileSync('/proc/' + child.pid + '/stat', 'utf8').split(') ')[1].split(' ').slice(11, 13).reduce((sum, field) => sum + Number(field), 0);
(async () => {
  await call('hello');
  for (const method of ['stat', 'list']) {
    for (let index = 0; index < 20; index += 1) await call(method);
    const before = ticks();
    for (let index = 0; index < Number(calls); index += 1) await call(method);
    console.log(method + ' ' + ((ticks() - before) * 10) / Number(calls));
  }
  child.stdin.end();
})().catch((error) => { console.error(error.message); child.kill('SIGKILL'); process.exit(1); });
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
  const { guests, calls, windows, windowSeconds } = options;
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
  // What one stat and one list cost the agent, at every guest running and at 10 (the fleet bench's hosts).
  for (const running of new Set([guests, Math.min(guests, 10)])) {
    await inHost(`i=${running + 1}; while [ $i -le ${guests} ]; do node "$1" stop s$i > /dev/null || exit 1; i=$((i + 1)); done`, [agent]);
    const perCall = new Map((await inHost(`exec node -e '${PER_CALL.replaceAll("'", "'\\''")}' "$@"`, [agent, String(calls), ...AGENT_NODE_FLAGS]))
      .trim().split('\n').map((line) => line.split(' ')).map(([method, ms]) => [method, Number(ms)]));
    for (const method of ['stat', 'list']) {
      recorder.add({
        benchmark: BENCHMARK,
        metric: `agent CPU per ${method} call, ${running} guests running`,
        value: Math.round((perCall.get(method) ?? NaN) * 1000),
        unit: 'µs',
        note: `${calls} calls one at a time over serve --stdio after 20 to warm it; user + system time of the agent process; carries over to the fleet's inventory refresh (fleet.stat), where the agents of a lab share its cores`,
      });
    }
  }
  await labDown({ name: LAB.name });
}
