// /proc/virtual/<xid>/cvirt: the context's virtualised uptime base, thread counts and load.
import { optionalInteger, parseKeyValueLines, requireInteger } from './keyValue';

export interface ContextCvirt {
  /** Host uptime when the context was created: the guest's uptime is host uptime minus this. */
  biasUptimeMs: number;
  threads: number;
  running: number;
  uninterruptible: number;
  onHold: number;
  load: [number, number, number];
  totalForks: number;
  /** 2.6.18-era kernels also printed the context's uname fields here. */
  nodename?: string;
  domainname?: string;
}

export function parseContextCvirt(text: string, xid: number): ContextCvirt {
  const file = `/proc/virtual/${xid}/cvirt`;
  const values = parseKeyValueLines(text);
  const bias = /^(\d+)\.(\d{2})$/.exec(values.get('BiasUptime') ?? '');
  const load = (values.get('loadavg') ?? '').split(/\s+/).map(Number);
  if (!bias) throw new SyntaxError(`${file} has no 'BiasUptime:' line in seconds.hundredths`);
  if (load.length !== 3 || load.some((value) => !Number.isFinite(value))) throw new SyntaxError(`${file} has no 'loadavg:' line with three figures`);
  const nodename = values.get('NodeName');
  const domainname = values.get('DomainName');
  return {
    biasUptimeMs: Number(bias[1]) * 1000 + Number(bias[2]) * 10,
    threads: requireInteger(values, 'nr_threads', file),
    running: requireInteger(values, 'nr_running', file),
    uninterruptible: requireInteger(values, 'nr_unintr', file),
    onHold: optionalInteger(values, 'nr_onhold') ?? 0,
    load: [load[0] ?? 0, load[1] ?? 0, load[2] ?? 0],
    totalForks: requireInteger(values, 'total_forks', file),
    ...(nodename === undefined ? {} : { nodename }),
    ...(domainname === undefined ? {} : { domainname }),
  };
}
