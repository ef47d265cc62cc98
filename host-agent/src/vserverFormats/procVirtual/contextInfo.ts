// /proc/virtual/<xid>/info and /proc/virtual/<xid>/status: a context's id, init pid, task count
// and its flags and capabilities as hexadecimal bit fields.
import { optionalInteger, parseKeyValueLines, requireHex, requireInteger } from './keyValue';

export interface ContextInfo {
  xid: number;
  /** Host pid of the context's init, 0 when none was assigned. */
  initPid: number;
  /** OOM badness bias (vs2.3 kernels only). */
  oomBias?: number;
}

export function parseContextInfo(text: string, xid: number): ContextInfo {
  const file = `/proc/virtual/${xid}/info`;
  const values = parseKeyValueLines(text);
  const oomBias = optionalInteger(values, 'OOM');
  return {
    xid: requireInteger(values, 'ID', file),
    initPid: requireInteger(values, 'Init', file),
    ...(oomBias === undefined ? {} : { oomBias }),
  };
}

export interface ContextStatus {
  useCount: number;
  /** Processes in the context; util-vserver counts a guest with 0 tasks as stopped. */
  tasks: number;
  flags: bigint;
  bcaps: bigint;
  ccaps: bigint;
}

export function parseContextStatus(text: string, xid: number): ContextStatus {
  const file = `/proc/virtual/${xid}/status`;
  const values = parseKeyValueLines(text);
  return {
    useCount: requireInteger(values, 'UseCnt', file),
    tasks: requireInteger(values, 'Tasks', file),
    flags: requireHex(values, 'Flags', file),
    bcaps: requireHex(values, 'BCaps', file),
    ccaps: requireHex(values, 'CCaps', file),
  };
}
