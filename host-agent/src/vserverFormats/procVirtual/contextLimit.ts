// /proc/virtual/<xid>/limit in both kernel generations: newer patches print a header and
// `NAME: current min/max soft/hard hits`; vs2.0-era ones `NAME: current max limit hits`.
// Memory rows (VM, VML, RSS, ANON, RMAP, SHM) count pages; -1 means unlimited.
import type { RlimitValue } from '../rlimitValue';

export interface ContextLimitRow {
  /** Kernel row name: PROC, VM, VML, RSS, ANON, RMAP, FILES, OFD, LOCKS, SOCK, MSGQ, SHM, SEMA, SEMS, DENT. */
  name: string;
  /** The matching rlimits/ file name (nproc, as, rss, ...), when util-vserver has one. */
  rlimit?: string;
  current: number;
  /** Lowest value observed (newer format only). */
  minimum?: number;
  /** Highest value observed. */
  maximum: number;
  /** Soft limit (newer format only). */
  soft?: RlimitValue;
  hard: RlimitValue;
  /** How often the limit was hit. */
  hits: number;
}

const RLIMIT_OF_ROW: Record<string, string> = {
  PROC: 'nproc', VM: 'as', VML: 'memlock', RSS: 'rss', ANON: 'anon', FILES: 'nofile', OFD: 'openfd',
  LOCKS: 'locks', SOCK: 'nsock', MSGQ: 'msgqueue', SHM: 'shmem', SEMA: 'semary', SEMS: 'nsems', DENT: 'dentry',
};

function limitValue(value: number): RlimitValue {
  return value < 0 ? 'inf' : value;
}

export function parseContextLimit(text: string, xid: number): ContextLimitRow[] {
  const rows: ContextLimitRow[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z]+):(.*)$/.exec(line);
    if (!match) continue;
    const name = match[1] ?? '';
    const figures = (match[2] ?? '').replace(/\//g, ' ').trim().split(/\s+/).map(Number);
    if (figures.some((figure) => !Number.isInteger(figure))) {
      throw new SyntaxError(`/proc/virtual/${xid}/limit row '${line.trim()}' holds something other than numbers`);
    }
    const rlimit = RLIMIT_OF_ROW[name];
    const common = { name, ...(rlimit ? { rlimit } : {}) };
    if (figures.length === 6) {
      const [current, minimum, maximum, soft, hard, hits] = figures as [number, number, number, number, number, number];
      rows.push({ ...common, current, minimum, maximum, soft: limitValue(soft), hard: limitValue(hard), hits });
    } else if (figures.length === 4) {
      const [current, maximum, hard, hits] = figures as [number, number, number, number];
      rows.push({ ...common, current, maximum, hard: limitValue(hard), hits });
    } else {
      throw new SyntaxError(`/proc/virtual/${xid}/limit row '${line.trim()}' has ${figures.length} numbers; expected 4 (old kernels) or 6`);
    }
  }
  if (rows.length === 0) throw new SyntaxError(`/proc/virtual/${xid}/limit has no limit rows`);
  return rows;
}

/** One row by kernel name, e.g. limitRow(rows, 'RSS'). */
export function limitRow(rows: readonly ContextLimitRow[], name: string): ContextLimitRow | undefined {
  return rows.find((row) => row.name === name);
}
