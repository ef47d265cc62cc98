// The util-vserver command lines the driver runs, as argv arrays (never shell strings).
import { formatRlimitValue, type RlimitValue } from '../../vserverFormats/rlimitValue';
import type { CpuBucket } from '../../vserverFormats/cpuBucket';

export type VserverAction = 'start' | 'stop' | 'status' | 'running' | 'enter';

export function vserverArgv(name: string, action: VserverAction): string[] {
  return ['vserver', name, action];
}

/** `vserver NAME exec CMD...`; environment variables go through the guest's env(1). */
export function vserverExecArgv(name: string, command: readonly string[], env: Record<string, string> = {}): string[] {
  const assignments = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  return ['vserver', name, 'exec', ...(assignments.length > 0 ? ['env', ...assignments] : []), ...command];
}

export function vserverStatArgv(): string[] {
  return ['vserver-stat'];
}

/** `vlimit --xid X -a -d`: every limit of the context, in decimal. */
export function vlimitShowArgv(xid: number): string[] {
  return ['vlimit', '--xid', String(xid), '-a', '-d'];
}

export interface VlimitSettings {
  /** Pages. */
  rssHard?: RlimitValue;
  rssSoft?: RlimitValue;
  nprocHard?: RlimitValue;
}

/** One vlimit call; -S applies to the option right after it, hard limits need no flag. */
export function vlimitSetArgv(xid: number, settings: VlimitSettings): string[] {
  const argv = ['vlimit', '--xid', String(xid)];
  if (settings.rssHard !== undefined) argv.push('--rss', formatRlimitValue(settings.rssHard));
  if (settings.rssSoft !== undefined) argv.push('-S', '--rss', formatRlimitValue(settings.rssSoft));
  if (settings.nprocHard !== undefined) argv.push('--nproc', formatRlimitValue(settings.nprocHard));
  return argv;
}

export function vschedArgv(xid: number, bucket: CpuBucket): string[] {
  return ['vsched', '--xid', String(xid), '--fill-rate', String(bucket.fillRate), '--interval', String(bucket.interval)];
}

export interface AttributeChange {
  bcaps?: readonly string[];
  ccaps?: readonly string[];
  flags?: readonly string[];
}

/** `vattribute --xid X --set` with one --bcap/--ccap/--flag per list, as util-vserver passes file lines. */
export function vattributeSetArgv(xid: number, change: AttributeChange): string[] {
  return [
    'vattribute', '--xid', String(xid), '--set',
    ...(change.bcaps ?? []).flatMap((item) => ['--bcap', item]),
    ...(change.ccaps ?? []).flatMap((item) => ['--ccap', item]),
    ...(change.flags ?? []).flatMap((item) => ['--flag', item]),
  ];
}

/** Clears the network context's persistent flag, as `vserver stop` does. */
export function nattributeClearPersistentArgv(nid: number): string[] {
  return ['nattribute', '--nid', String(nid), '--set', '--flag', '~persistent'];
}

export function vunameSetArgv(xid: number, values: { nodename: string; domainname: string }): string[] {
  return ['vuname', '-s', '--xid', String(xid), '-t', `NODENAME=${values.nodename}`, '-t', `DOMAINNAME=${values.domainname}`];
}

