// A client on a lab host fetching a guest's URL every 20 ms (curl, 0.5 s timeout each), logging
// "NANOSECONDS ok|fail" per fetch: the migration tests' measure of the downtime a client really sees,
// the longest time between two answered fetches; and when each phase of a migration began.
import type { MigrationProgress } from '../../../shared/api/migration';
import type { Lab } from '../../lab/lab';
import { waitFor } from '../../core/support/coreOnLab';

export interface ClientSample {
  timeNs: bigint;
  ok: boolean;
}

/** The client's log lines "NANOSECONDS ok|fail" as samples. */
export function parseClientLog(text: string): ClientSample[] {
  return text.split('\n').flatMap((line) => {
    const match = /^(\d+) (ok|fail)$/.exec(line.trim());
    return match ? [{ timeNs: BigInt(match[1] ?? '0'), ok: match[2] === 'ok' }] : [];
  });
}

/** The longest time between two answered fetches, in milliseconds. */
export function longestGapMs(samples: ClientSample[]): number {
  let longest = 0n;
  let lastOk: bigint | undefined;
  for (const sample of samples) {
    if (!sample.ok) continue;
    if (lastOk !== undefined && sample.timeNs - lastOk > longest) longest = sample.timeNs - lastOk;
    lastOk = sample.timeNs;
  }
  return Number(longest / 1_000_000n);
}

export interface HttpClient {
  samples(): ClientSample[];
  /** Until the last five fetches were answered: the gap it saw has closed (at most `timeoutMs`, default 20 s). */
  answeredAgain(timeoutMs?: number): Promise<void>;
  stop(): ClientSample[];
}

/** Starts the client on `host` and waits for its first five answers. */
export async function startClient(lab: Lab, host: string, url: string): Promise<HttpClient> {
  let log = '';
  const client = lab.spawn(host, ['sh', '-c',
    `while :; do t=$(date +%s%N); if curl -sf -m 0.5 -o /dev/null ${url}; then echo "$t ok"; else echo "$t fail"; fi; sleep 0.02; done`]);
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

