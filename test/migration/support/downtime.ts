// A client on a lab host fetching a guest's URL every 20 ms, the migration tests' measure of the
// downtime a client really sees. A fetch starts every 20 ms whatever the earlier ones are doing
// (each a new TCP connection, given up after 0.5 s), so a frozen or absent guest does not slow the
// client down: a fetch that hangs does not delay the next one. The client is one Node process on the
// host (Node runs the agent there): no process per fetch, so it takes little of the lab's CPU from
// the hosts it measures. Each fetch logs "START_NS ok SECONDS" (answered with a 2xx status, SECONDS
// from its start to the end of the body) or "START_NS fail". The downtime is the longest time the
// client went without an answer: between the answer times (start + SECONDS) of two answered
// fetches, in the order they were answered. Its resolution is about 20 ms plus one fetch's time; a
// fetch that waited through part of the gap and was answered after it counts at its answer, never
// at its start.
import type { MigrationProgress } from '../../../shared/api/migration';
import type { Lab } from '../../lab/lab';
import { waitFor } from '../../core/support/coreOnLab';

export interface ClientSample {
  /** When the fetch started. */
  timeNs: bigint;
  ok: boolean;
  /** When it was answered (ok only). */
  answeredNs?: bigint;
}

/** The client's log lines as samples, in the order the fetches started. */
export function parseClientLog(text: string): ClientSample[] {
  return text.split('\n').flatMap((line): ClientSample[] => {
    const match = /^(\d+) (?:ok (\d+(?:\.\d+)?)|fail)$/.exec(line.trim());
    if (!match) return [];
    const timeNs = BigInt(match[1] ?? '0');
    if (match[2] === undefined) return [{ timeNs, ok: false }];
    return [{ timeNs, ok: true, answeredNs: timeNs + BigInt(Math.round(Number(match[2]) * 1e9)) }];
  }).sort((left, right) => (left.timeNs < right.timeNs ? -1 : left.timeNs > right.timeNs ? 1 : 0));
}

/** The longest time between two consecutive answers (answer times of answered fetches), in milliseconds. */
export function longestGapMs(samples: ClientSample[]): number {
  const answers = samples.flatMap((sample) => (sample.ok && sample.answeredNs !== undefined ? [sample.answeredNs] : []))
    .sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
  let longest = 0n;
  for (let index = 1; index < answers.length; index += 1) {
    const gap = answers[index]! - answers[index - 1]!;
    if (gap > longest) longest = gap;
  }
  return Number(longest / 1_000_000n);
}

export interface HttpClient {
  samples(): ClientSample[];
  /** Until the last five fetches were answered: the gap it saw has closed (at most `timeoutMs`, default 20 s). */
  answeredAgain(timeoutMs?: number): Promise<void>;
  /** Ends the client (fetches still out are not logged). */
  stop(): ClientSample[];
}

/** The client's program (node -e, the URL its one argument). */
const CLIENT_SCRIPT = `
const http = require('node:http');
const url = process.argv[1];
const nowNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
const fetchOnce = () => {
  const start = nowNs();
  let done = false;
  const end = (ok) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    request.destroy();
    process.stdout.write(ok ? start + ' ok ' + (Number(nowNs() - start) / 1e9).toFixed(6) + '\\n' : start + ' fail\\n');
  };
  const request = http.get(url, { agent: false }, (response) => {
    response.resume();
    response.on('end', () => end(response.statusCode >= 200 && response.statusCode < 300));
    response.on('error', () => end(false));
  });
  request.on('error', () => end(false));
  const timer = setTimeout(() => end(false), 500);
};
setInterval(fetchOnce, 20);
`;

/** Starts the client on `host` and waits for its first five answers. */
export async function startClient(lab: Lab, host: string, url: string): Promise<HttpClient> {
  let log = '';
  const client = lab.spawn(host, ['node', '-e', CLIENT_SCRIPT, url]);
  client.stdout?.on('data', (chunk: Buffer) => { log += chunk.toString('utf8'); });
  const samples = (): ClientSample[] => parseClientLog(log);
  await waitFor(`the first answers on ${host}`, () => samples().filter((sample) => sample.ok).length >= 5, 20_000);
  return {
    samples,
    answeredAgain: async (timeoutMs = 20_000) => {
      await waitFor('the client\'s answers after the move', () => samples().slice(-5).length === 5 && samples().slice(-5).every((sample) => sample.ok), timeoutMs);
    },
    stop: () => {
      client.kill();
      return samples();
    },
  };
}
/** "precopy +0 ms, switching +950 ms, ...": when each phase began, from the first. */
export function phaseTimeline(entries: MigrationProgress[]): string {
  const firsts = new Map<string, number>();
  for (const entry of entries) if (!firsts.has(entry.phase)) firsts.set(entry.phase, entry.time);
  const start = entries[0]?.time ?? 0;
  return [...firsts].map(([phase, time]) => `${phase} +${time - start} ms`).join(', ');
}

