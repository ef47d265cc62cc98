// vps (util-vserver src/vps.c): ps output with a 20-column CONTEXT column inserted right after
// PID, holding the context id right-aligned in 5 columns and the guest's name.

export const VPS_CONTEXT_WIDTH = 20;
const XID_WIDTH = 5;

/** Names vps gives the host and watch contexts. */
export const VPS_HOST_NAME = 'MAIN';
export const VPS_WATCH_NAME = 'ALL_PROC';

export interface VpsLookup {
  /** Context of a process, undefined when it cannot be read (printed as ERR). */
  xidOfPid(pid: number): number | undefined;
  /** Guest name of a context other than 0 and 1, undefined when unknown (printed blank). */
  nameOfXid(xid: number): string | undefined;
}

function contextCell(xid: number | undefined, lookup: VpsLookup): string {
  const name = xid === undefined ? '' : xid === 0 ? VPS_HOST_NAME : xid === 1 ? VPS_WATCH_NAME : (lookup.nameOfXid(xid) ?? '');
  const cell = `${(xid === undefined ? 'ERR' : String(xid)).padStart(XID_WIDTH, ' ')} ${name}`;
  // A name too long for the column is followed by a single blank instead of padding.
  return cell.length < VPS_CONTEXT_WIDTH ? cell.padEnd(VPS_CONTEXT_WIDTH, ' ') : `${cell} `;
}

/**
 * Inserts the CONTEXT column into `ps` output. The column goes after the header's "PID "; each
 * row's pid is the number ending there (vps reads only six characters, too few for 7-digit pids).
 */
export function insertContextColumn(psOutput: string, lookup: VpsLookup): string {
  const lines = psOutput.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const [header, ...rows] = lines;
  const pidAt = header?.indexOf('PID') ?? -1;
  if (header === undefined || pidAt < 0) throw new SyntaxError('ps output has no PID column, so vps cannot place the CONTEXT column');
  const split = pidAt + 4;
  const out = [`${header.slice(0, split)}${'CONTEXT'.padEnd(VPS_CONTEXT_WIDTH, ' ')}${header.slice(split)}`];
  for (const row of rows) {
    const pidText = /(\d+)\s*$/.exec(row.slice(0, split))?.[1];
    const xid = pidText === undefined ? undefined : lookup.xidOfPid(Number(pidText));
    out.push(`${row.slice(0, split)}${contextCell(xid, lookup)}${row.slice(split)}`);
  }
  return out.map((line) => `${line}\n`).join('');
}
