// vserver-stat's table (util-vserver src/vserver-stat.c): one implementation for both drivers'
// `stat` output, and its parser for hosts where the real vserver-stat is run.
import type { StatRow } from '../domain/guest';
import { expandShortMem, shortenMem } from './shortenMem';
import { expandShortTime, shortenTime } from './shortenTime';

export const STAT_HEADER = 'CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME';

/** Names vserver-stat gives the two special contexts instead of a guest name. */
export const HOST_CONTEXT_NAME = 'root server';
export const WATCH_CONTEXT_NAME = 'monitoring server';

const NAME_COLUMN = 55;
const NAME_MAX = 20;

function displayName(row: StatRow): string {
  if (row.xid === 0) return HOST_CONTEXT_NAME;
  if (row.xid === 1) return WATCH_CONTEXT_NAME;
  return row.name.slice(0, NAME_MAX);
}

/** Writes `text` into the line buffer at `column`, overwriting what is there, as the C code does. */
function put(line: string[], column: number, text: string): void {
  for (let index = 0; index < text.length; index += 1) line[column + index] = text[index] ?? ' ';
}

/** One row exactly as vserver-stat prints it (no newline). */
export function formatStatRow(row: StatRow): string {
  const line: string[] = Array.from({ length: NAME_COLUMN }, () => ' ');
  put(line, 0, String(row.xid));
  const processes = String(row.processes);
  put(line, 10 - processes.length, processes);
  const vsz = shortenMem(row.vszBytes);
  put(line, 17 - vsz.length, vsz);
  const rss = shortenMem(row.rssBytes);
  put(line, 24 - rss.length, rss);
  // Each time cell is 10 wide and ends with a blank column.
  for (const [end, ms] of [[33, row.userMs], [43, row.sysMs], [53, row.uptimeMs]] as const) {
    const time = shortenTime(ms);
    put(line, end - time.length + 1, time);
  }
  put(line, NAME_COLUMN, displayName(row));
  return line.join('');
}

/** The whole table, header first, rows sorted by context id, each line ending in a newline. */
export function formatStatTable(rows: readonly StatRow[]): string {
  const sorted = [...rows].sort((a, b) => a.xid - b.xid);
  return [STAT_HEADER, ...sorted.map(formatStatRow)].map((line) => `${line}\n`).join('');
}

const ROW_PATTERN = /^(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)(?: (.*))?$/;

/** A memory cell split out by whitespace; plain bytes lose their trailing blank on the way. */
function memoryCell(text: string): number {
  return expandShortMem(/^\d+$/.test(text) ? `${text} ` : text);
}

/**
 * Rows of vserver-stat output. The printed figures are rounded, so each number is the smallest
 * value that prints the same: formatting the rows again gives back the same text. NAME is the
 * rest of the line and may contain spaces.
 */
export function parseStatTable(text: string): StatRow[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const [header, ...rows] = lines;
  if (header?.trim() !== STAT_HEADER) {
    throw new SyntaxError(`vserver-stat output does not start with its header line '${STAT_HEADER}'`);
  }
  return rows.map((line) => {
    const match = ROW_PATTERN.exec(line);
    if (!match) throw new SyntaxError(`vserver-stat row '${line}' does not have the eight columns CTX PROC VSZ RSS userTIME sysTIME UPTIME NAME`);
    const cells = match.slice(1, 8).map((cell) => cell ?? '');
    try {
      return {
        xid: Number(cells[0]),
        processes: Number(cells[1]),
        vszBytes: memoryCell(cells[2] ?? ''),
        rssBytes: memoryCell(cells[3] ?? ''),
        userMs: expandShortTime(cells[4] ?? ''),
        sysMs: expandShortTime(cells[5] ?? ''),
        uptimeMs: expandShortTime(cells[6] ?? ''),
        name: match[8] ?? '',
      };
    } catch (error) {
      throw new SyntaxError(`vserver-stat row '${line}': ${(error as Error).message}`);
    }
  });
}
