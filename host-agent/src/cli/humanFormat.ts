// Human output of the CLI: util-vserver's formats where one exists (vserver-stat, vps, status),
// plain aligned tables otherwise.
import type { UnreadableGuest } from '../../../shared/domain/guest';
import type { AgentResult } from '../../../shared/protocol/methods';
import { formatBytes, formatSize } from '../../../shared/format/byteSize';
import { textTable } from '../../../shared/format/textTable';
import { shortenMem } from '../../../shared/vserver/shortenMem';
import { formatStatTable } from '../../../shared/vserver/statTable';
import { insertContextColumn } from '../vserverFormats/vpsContext';
import { cpuBucketShare } from '../vserverFormats/cpuBucket';

/** One line per guest whose configuration or counters could not be read, so it is never silently absent. */
function unreadableLines(unreadable: readonly UnreadableGuest[] | undefined): string {
  return (unreadable ?? []).map((guest) => `guest ${guest.name}: ${guest.error}\n`).join('');
}

export function formatList(result: AgentResult<'list'>): string {
  return textTable(
    ['NAME', 'CTX', 'STATE', 'PROC', 'INIT', 'ADDRESSES', 'NODENAME', 'MARK'],
    result.guests.map(({ config, status }) => [
      config.name,
      String(config.xid),
      status.state,
      String(status.processes),
      config.initStyle,
      config.interfaces.map((guestInterface) => `${guestInterface.ip}/${guestInterface.prefix}`).join(',') || '-',
      config.nodename,
      config.mark || '-',
    ]),
  ) + unreadableLines(result.unreadable);
}

export function formatInfo(info: AgentResult<'info'>): string {
  const size = (bytes: number): string => formatBytes(bytes, 'iec');
  return textTable(['FIELD', 'VALUE'], [
    ['hostname', info.hostname],
    ['kernel', info.kernel],
    ['driver', info.driver],
    ['cgroup', `v${info.cgroupVersion}`],
    ['cpus', String(info.cpus)],
    ['memory', `${size(info.memoryAvailable)} available of ${size(info.memoryTotal)}`],
    ['load', info.load.map((value) => value.toFixed(2)).join(' ')],
    ['guest base', `${info.guestBase} (${size(info.diskFree)} free of ${size(info.diskTotal)})`],
    ['config base', info.configBase],
    ['agent', info.agentVersion],
    ['node', info.nodeVersion],
  ]).split('\n').slice(1).join('\n');
}

export function formatStat(result: AgentResult<'stat'>): string {
  return formatStatTable(result.rows) + unreadableLines(result.unreadable);
}

export function formatPs(result: AgentResult<'ps'>): string {
  const psText = textTable(
    ['  PID', ' PPID', 'USER', 'STAT', '    RSS', 'COMMAND'],
    result.rows.map((row) => [String(row.pid).padStart(5), String(row.ppid).padStart(5), row.user, row.state, shortenMem(row.rssBytes).padStart(7), row.command]),
  );
  const byPid = new Map(result.rows.map((row) => [row.pid, row]));
  return insertContextColumn(psText, {
    xidOfPid: (pid) => (byPid.get(pid)?.context === 'ERR' ? undefined : byPid.get(pid)?.xid),
    nameOfXid: (xid) => result.rows.find((row) => row.xid === xid)?.context,
  }) + unreadableLines(result.unreadable);
}

function limitCell(bytes: number | undefined): string {
  return bytes === undefined ? 'inf' : formatSize(bytes);
}

export function formatLimits(result: AgentResult<'limitGet'>): string {
  const { usage } = result;
  const { limits } = usage;
  const state = result.running ? 'running; limits applied live' : 'stopped; limits apply at the next start';
  const cpu = limits.cpuFillRate !== undefined && limits.cpuInterval !== undefined
    ? `${cpuBucketShare({ fillRate: limits.cpuFillRate, interval: limits.cpuInterval }).toFixed(3)} CPU (fill-rate ${limits.cpuFillRate} / interval ${limits.cpuInterval})`
    : 'inf';
  return `Limits of guest '${result.name}' (${state})\n${textTable(
    ['RESOURCE', 'LIMIT', 'SOFT', 'CURRENT', 'PEAK', 'HITS'],
    [
      ['memory', limitCell(limits.memoryHard), limitCell(limits.memorySoft), shortenMem(usage.memoryCurrent), shortenMem(usage.memoryPeak), `${usage.memoryHits} (oom kills ${usage.oomKills})`],
      ['processes', limits.processes === undefined ? 'inf' : String(limits.processes), '-', String(usage.processesCurrent), '-', String(usage.processesHits)],
      ['cpu', cpu, '-', `${(usage.cpuUsageUsec / 1e6).toFixed(2)}s used`, '-', `${(usage.throttledUsec / 1e6).toFixed(2)}s throttled`],
      ['cpuset', limits.cpuSet ?? 'all', '-', '-', '-', '-'],
      ['io-weight', limits.ioWeight === undefined ? 'default' : String(limits.ioWeight), '-', '-', '-', '-'],
    ],
  )}`;
}

export function formatCaps(result: AgentResult<'capsGet'>): string {
  return [
    'bcapabilities:',
    result.bcapabilities.join(',') || '(none)',
    'ccapabilities:',
    result.ccapabilities.join(',') || '(none)',
    `(applied at the next start of '${result.name}'${result.running ? '; it is running now' : ''})`,
    '',
  ].join('\n');
}

function unameNote(result: AgentResult<'unameGet'>): string {
  if (!result.running) return '(guest stopped: applied at the next start)';
  if (result.flagsApplyAtNextStart) {
    return result.appliedLive ? '(nodename and domainname changed live; the changed flags apply at the next start)' : '(the changed flags apply at the next start)';
  }
  return '(nodename and domainname are live; flags apply at the next start)';
}

export function formatUname(result: AgentResult<'unameGet'>): string {
  return [
    `nodename:   ${result.nodename}`,
    `domainname: ${result.domainname || '(none)'}`,
    `flags:      ${result.cflags.join(',') || '(none)'}`,
    unameNote(result),
    '',
  ].join('\n');
}
