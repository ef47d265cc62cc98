import { describe, expect, it } from 'vitest';
import { parseContextInfo, parseContextStatus } from '../../host-agent/src/vserverFormats/procVirtual/contextInfo';
import { limitRow, parseContextLimit } from '../../host-agent/src/vserverFormats/procVirtual/contextLimit';
import { parseContextCvirt } from '../../host-agent/src/vserverFormats/procVirtual/contextCvirt';
import { parseContextSched, totalCpuTicks } from '../../host-agent/src/vserverFormats/procVirtual/contextSched';
import { namesOfBits } from '../../host-agent/src/vserverFormats/bitList';
import { BCAPS, CCAPS, CFLAGS } from '../../host-agent/src/vserverFormats/contextBits';
import { fixture } from './fixtures';

describe('/proc/virtual/<xid>/info and status', () => {
  it('reads id, init pid and the OOM bias where the kernel prints it', () => {
    expect(parseContextInfo(fixture('proc-virtual-vs2.2/1001/info'), 1001)).toEqual({ xid: 1001, initPid: 0 });
    expect(parseContextInfo(fixture('proc-virtual-vs2.3/40001/info'), 40001)).toEqual({ xid: 40001, initPid: 2417, oomBias: 0 });
  });
  it('reads tasks and the bit fields, including the multi-word BCaps of vs2.3', () => {
    const old = parseContextStatus(fixture('proc-virtual-vs2.2/1001/status'), 1001);
    expect(old).toMatchObject({ useCount: 38, tasks: 16, flags: 0n, bcaps: 0xd46c04ffn, ccaps: 0n });
    const current = parseContextStatus(fixture('proc-virtual-vs2.3/40001/status'), 40001);
    expect(current.tasks).toBe(7);
    expect(namesOfBits(current.flags, CFLAGS)).toEqual(['fakeinit', 'virt_uptime', 'hide_netif', 'sc_helper']);
    expect(namesOfBits(current.ccaps, CCAPS)).toEqual(['set_utsname', 'raw_icmp']);
    expect(namesOfBits(current.bcaps, BCAPS)).toContain('SETFCAP');
  });
});

describe('/proc/virtual/<xid>/limit', () => {
  it('reads the old four-figure format recorded on a 2.6.18 host (pages, -1 = unlimited)', () => {
    const rows = parseContextLimit(fixture('proc-virtual-2.6.18/49159/limit'), 49159);
    expect(rows).toHaveLength(11);
    expect(limitRow(rows, 'VM')).toEqual({ name: 'VM', rlimit: 'as', current: 3808, maximum: 11410, hard: 100000, hits: 0 });
    expect(limitRow(rows, 'PROC')).toEqual({ name: 'PROC', rlimit: 'nproc', current: 2, maximum: 4, hard: 'inf', hits: 0 });
  });
  it('reads the newer format with header, min/max and soft/hard', () => {
    const rows = parseContextLimit(fixture('proc-virtual-vs2.3/40001/limit'), 40001);
    expect(rows.map((row) => row.name)).toEqual(['PROC', 'VM', 'VML', 'RSS', 'ANON', 'RMAP', 'FILES', 'OFD', 'LOCKS', 'SOCK', 'MSGQ', 'SHM', 'SEMA', 'SEMS', 'DENT']);
    expect(limitRow(rows, 'RSS')).toEqual({ name: 'RSS', rlimit: 'rss', current: 3117, minimum: 0, maximum: 4890, soft: 49152, hard: 65536, hits: 3 });
    expect(limitRow(rows, 'PROC')).toMatchObject({ soft: 'inf', hard: 300 });
    expect(limitRow(rows, 'RMAP')?.rlimit).toBeUndefined();
  });
  it('names the file when a row is damaged', () => {
    expect(() => parseContextLimit('RSS:\t12\tabc\n', 7)).toThrow('/proc/virtual/7/limit');
  });
});

describe('/proc/virtual/<xid>/cvirt and sched', () => {
  it('reads the recorded 2.6.18 cvirt with its uname fields', () => {
    expect(parseContextCvirt(fixture('proc-virtual-2.6.18/49159/cvirt'), 49159)).toEqual({
      biasUptimeMs: 347_673_950, threads: 2, running: 0, uninterruptible: 0, onHold: 0, load: [0, 0, 0], totalForks: 38,
      nodename: 'deb-vserv1', domainname: '(none)',
    });
    expect(parseContextCvirt(fixture('proc-virtual-vs2.3/40001/cvirt'), 40001)).toMatchObject({ biasUptimeMs: 86_014_370, load: [0.12, 0.08, 0.05], totalForks: 1876 });
  });
  it('reads the token bucket of dual-rate and single-rate kernels and the per-CPU ticks', () => {
    const dual = parseContextSched(fixture('proc-virtual-vs2.2/1001/sched'), 1001);
    expect(dual).toMatchObject({ fillRate: 1, fillRate2: 1, interval: 4, interval2: 8, tokensMin: 15, tokensMax: 125, prioBias: 0 });
    expect(totalCpuTicks(dual)).toEqual({ userTicks: 2500, sysTicks: 516, holdTicks: 59 });
    const single = parseContextSched(fixture('proc-virtual-vs2.2/1001/sched.single-rate'), 1001);
    expect(single).toMatchObject({ fillRate: 1, interval: 4, tokensMin: 15, tokensMax: 125 });
    expect(single.fillRate2).toBeUndefined();
    expect(single.cpus).toHaveLength(2);
  });
  it('reads the vs2.3 sched file, which has no bucket', () => {
    const sched = parseContextSched(fixture('proc-virtual-vs2.3/40001/sched'), 40001);
    expect(sched.fillRate).toBeUndefined();
    expect(totalCpuTicks(sched)).toEqual({ userTicks: 15220, sysTicks: 4087, holdTicks: 0 });
  });
});
