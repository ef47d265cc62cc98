// A client on a lab host fetching a URL every 20 ms with curl, logging each fetch's start time and
// outcome, as the migration tests and the migration benchmark watch a moving guest: the longest
// gap between two answered fetches is the downtime a client of the guest observed.
import type { Lab } from '../../lab/lab';
import { waitFor } from '../../core/support/coreOnLab';

export interface ProbeSample {
  timeNs: bigint;
  ok: boolean;
}

export interface HttpProbe {
  samples(): ProbeSample[];
  /** Ends the client and returns every sample it took. */
  stop(): ProbeSample[];
}

/** The client's log lines "NANOSECONDS ok|fail" as samples. */
export function parseProbeLog(text: string): ProbeSample[] {
  return text.split('\n').flatMap((line) => {
    const match = /^(\d+) (ok|fail)$/.exec(line.trim());
    return match ? [{ timeNs: BigInt(match[1] ?? '0'), ok: match[2] === 'ok' }] : [];
  });
}

/** The longest time between two answered fetches, in milliseconds. */
export function longestGapMs(samples: readonly ProbeSample[]): number {
  let longest = 0n;
  let lastOk: bigint | undefined;
  for (const sample of samples) {
    if (!sample.ok) continue;
    if (lastOk !== undefined && sample.timeNs - lastOk > longest) longest = sample.timeNs - lastOk;
    lastOk = sample.timeNs;
  }
  return Number(longest / 1_000_000n);
}

/** A client on `host` fetching `url` every 20 ms (each fetch at most 0.5 s), once its first five fetches were answered. */
export async function startHttpProbe(lab: Lab, host: string, url: string): Promise<HttpProbe> {
  let log = '';
  const client = lab.spawn(host, ['sh', '-c',
    `while :; do t=$(date +%s%N); if curl -sf -m 0.5 -o /dev/null ${url}; then echo "$t ok"; else echo "$t fail"; fi; sleep 0.02; done`]);
  client.stdout?.on('data', (chunk: Buffer) => { log += chunk.toString('utf8'); });
  try {
    await waitFor(`the first answers from ${url} on ${host}`, () => parseProbeLog(log).filter((sample) => sample.ok).length >= 5, 20_000);
  } catch (error) {
    client.kill();
    throw error;
  }
  return {
    samples: () => parseProbeLog(log),
    stop: () => {
      client.kill();
      return parseProbeLog(log);
    },
  };
}

/** Until the client's last five fetches were answered: the gap it saw has closed. */
export async function answeredAgain(probe: HttpProbe, timeoutMs = 20_000): Promise<void> {
  await waitFor('the client\'s answers after the move', () => {
    const last = probe.samples().slice(-5);
    return last.length === 5 && last.every((sample) => sample.ok);
  }, timeoutMs);
}
