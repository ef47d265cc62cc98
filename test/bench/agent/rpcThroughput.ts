// Requests per second the agent answers over `serve --stdio`, without SSH in between: the
// deployed bundle is run inside lab-1 with the bench guest running, one request at a time and
// with many in flight, for `list` and `stat`.
import type { ChildProcess } from 'node:child_process';
import { AGENT_NODE_FLAGS } from '../../../electron/core/agent/agentInstallScript';
import { TestRpcClient } from '../../agent/support/agentRpcClient';
import type { CleanupStack } from '../benchCleanup';
import type { BenchRecorder } from '../report/benchRecorder';
import { BENCH_GUEST, type BenchFleet } from '../fleet/benchFleet';

const HOST = BENCH_GUEST.host;
const METHODS = ['list', 'stat'] as const;
const IN_FLIGHT = 16;
const REPLY_TIMEOUT_MS = 10_000;
const BENCHMARK = 'agent RPC';

export async function benchAgentRpc(recorder: BenchRecorder, cleanup: CleanupStack, fleet: BenchFleet, durationMs: number): Promise<void> {
  const agentFile = fleet.core.state.host(HOST)?.agent?.file;
  if (!agentFile) throw new Error(`Host ${HOST}: the fleet state names no deployed agent file`);
  // A running guest gives `stat` a row of its own to read from the kernel besides the host's.
  if (fleet.core.state.guest(HOST, BENCH_GUEST.name)) await fleet.core.invoke('guest.start', { host: HOST, guest: BENCH_GUEST.name });
  const running = fleet.core.state.host(HOST)?.guests.filter((guest) => guest.state === 'running').length ?? 0;
  // Started as the core starts it (agentDeploy.ts: agentCommand).
  const server = fleet.lab.spawn(HOST, ['node', ...AGENT_NODE_FLAGS, agentFile, 'serve', '--stdio']);
  const stopServer = cleanup.add(`agent serve --stdio on ${HOST}`, () => stopProcess(server));
  const client = new TestRpcClient(server);
  const call = (method: string): Promise<void> => answered(client, method, server);

  await call('hello');
  for (const method of METHODS) {
    await call(method);
    recorder.add({
      benchmark: BENCHMARK,
      metric: `${method}, one request at a time`,
      value: await requestsPerSecond(() => call(method), 1, durationMs),
      unit: 'req/s',
      note: `${running} guest(s) running on ${HOST}`,
    });
    recorder.add({ benchmark: BENCHMARK, metric: `${method}, ${IN_FLIGHT} requests in flight`, value: await requestsPerSecond(() => call(method), IN_FLIGHT, durationMs), unit: 'req/s' });
  }
  await stopServer.run();
}

/** Keeps `inFlight` callers busy for `durationMs` and counts the answers. */
async function requestsPerSecond(request: () => Promise<void>, inFlight: number, durationMs: number): Promise<number> {
  const began = performance.now();
  const deadline = began + durationMs;
  let answeredCount = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < deadline) {
      await request();
      answeredCount += 1;
    }
  }));
  return answeredCount / ((performance.now() - began) / 1000);
}

async function answered(client: TestRpcClient, method: string, server: ChildProcess): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Host ${HOST}: the agent did not answer '${method}' within ${REPLY_TIMEOUT_MS} ms (server ${server.exitCode === null ? 'still running' : `exited with ${server.exitCode}`})`)), REPLY_TIMEOUT_MS);
  });
  try {
    const reply = await Promise.race([client.call(method), timeout]);
    if (reply.error) throw new Error(`Host ${HOST}: the agent answered '${method}' with error ${reply.error.code}: ${reply.error.message}`);
  } finally {
    clearTimeout(timer);
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const forced = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('close', () => {
      clearTimeout(forced);
      resolve();
    });
    child.stdin?.end();
    child.kill('SIGTERM');
  });
}
