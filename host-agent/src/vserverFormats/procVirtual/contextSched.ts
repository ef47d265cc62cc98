// /proc/virtual/<xid>/sched in its three kernel generations: single-rate token bucket
// (Token:, FillRate:, Interval:, ...; per-CPU `cpu N: user sys hold`), dual-rate bucket
// (FillRate:\t R,R2 and long per-CPU lines) and vs2.3's CFS-based one (PrioBias: only).
import { optionalInteger, parseKeyValueLines } from './keyValue';

export interface CpuTicks {
  cpu: number;
  userTicks: number;
  sysTicks: number;
  /** Ticks the context's tasks were held back by the token bucket. */
  holdTicks: number;
}

export interface ContextSched {
  /** Token bucket settings; absent on kernels without the bucket (vs2.3). */
  fillRate?: number;
  interval?: number;
  fillRate2?: number;
  interval2?: number;
  tokensMin?: number;
  tokensMax?: number;
  prioBias?: number;
  cpus: CpuTicks[];
}

/** "R" or "R,R2" as the dual-rate kernels print rates. */
function rates(text: string | undefined): [number | undefined, number | undefined] {
  if (text === undefined) return [undefined, undefined];
  const [first, second] = text.split(',').map((part) => Number(part.trim()));
  return [Number.isInteger(first) ? first : undefined, Number.isInteger(second) ? second : undefined];
}

export function parseContextSched(text: string, xid: number): ContextSched {
  const cpus: CpuTicks[] = [];
  const settings: string[] = [];
  for (const line of text.split('\n')) {
    const cpuLine = /^cpu (\d+):\s+(\d+)\s+(\d+)\s+(\d+)/.exec(line);
    if (cpuLine) cpus.push({ cpu: Number(cpuLine[1]), userTicks: Number(cpuLine[2]), sysTicks: Number(cpuLine[3]), holdTicks: Number(cpuLine[4]) });
    else settings.push(line);
  }
  const values = parseKeyValueLines(settings.join('\n'));
  if (cpus.length === 0 && values.size === 0) throw new SyntaxError(`/proc/virtual/${xid}/sched holds neither settings nor per-CPU lines`);
  const [fillRate, fillRate2] = rates(values.get('FillRate'));
  const [interval, interval2] = rates(values.get('Interval'));
  const fields = {
    fillRate, interval, fillRate2, interval2,
    tokensMin: optionalInteger(values, 'TokensMin'),
    tokensMax: optionalInteger(values, 'TokensMax'),
    prioBias: optionalInteger(values, 'PrioBias'),
  };
  const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Omit<ContextSched, 'cpus'>;
  return { ...present, cpus };
}

/** Sum of user, system and held ticks over all CPUs. */
export function totalCpuTicks(sched: ContextSched): { userTicks: number; sysTicks: number; holdTicks: number } {
  return sched.cpus.reduce(
    (sum, cpu) => ({ userTicks: sum.userTicks + cpu.userTicks, sysTicks: sum.sysTicks + cpu.sysTicks, holdTicks: sum.holdTicks + cpu.holdTicks }),
    { userTicks: 0, sysTicks: 0, holdTicks: 0 },
  );
}
