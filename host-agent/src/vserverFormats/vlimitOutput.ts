// `vlimit --xid X -a [-d] [-n]` output (util-vserver src/vlimit.c): one line per limit the
// context has, the name at column 0 and `  ` + min, soft and hard at columns 10, 30 and 50.
import type { RlimitValue } from './rlimitValue';

/** vlimit's resource names by kernel limit number (Linux RLIMIT_* then VServer's own). */
export const VLIMIT_RESOURCES: ReadonlyArray<readonly [name: string, number: number]> = [
  ['cpu', 0], ['fsize', 1], ['data', 2], ['stack', 3], ['core', 4], ['rss', 5], ['nproc', 6],
  ['nofile', 7], ['memlock', 8], ['as', 9], ['locks', 10], ['msgqueue', 12],
  ['nsock', 16], ['openfd', 17], ['anon', 18], ['shmem', 19], ['semary', 20], ['nsems', 21], ['dentry', 22],
];

/** A limit bound vlimit shows; null where it prints N/A (not set for this context). */
export type VlimitBound = RlimitValue | null;

export interface VlimitEntry {
  /** Lower-case resource name, or the limit number when vlimit has no name for it (or ran with -n). */
  resource: string;
  min: VlimitBound;
  soft: VlimitBound;
  hard: VlimitBound;
}

function resourceNumber(resource: string): number | undefined {
  if (/^\d+$/.test(resource)) return Number(resource);
  return VLIMIT_RESOURCES.find(([name]) => name === resource)?.[1];
}

function parseBound(text: string, line: string): VlimitBound {
  if (text === 'N/A') return null;
  if (text === 'inf') return 'inf';
  const value = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new SyntaxError(`vlimit line '${line}' has '${text}' where a limit (number, inf or N/A) belongs`);
  return value;
}

export function parseVlimitAll(text: string): VlimitEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [resource, min, soft, hard, ...extra] = line.trim().split(/\s+/);
      if (resource === undefined || min === undefined || soft === undefined || hard === undefined || extra.length > 0) {
        throw new SyntaxError(`vlimit line '${line}' does not have the four columns name, min, soft and hard`);
      }
      const number = resourceNumber(resource.toLowerCase());
      const name = VLIMIT_RESOURCES.find(([, candidate]) => candidate === number)?.[0];
      return { resource: name ?? resource, min: parseBound(min, line), soft: parseBound(soft, line), hard: parseBound(hard, line) };
    });
}

