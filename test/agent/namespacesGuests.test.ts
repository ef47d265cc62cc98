// The namespaces driver on a real lab host: two busybox guests started through the agent CLI,
// then isolation, network, capabilities, virt_uptime, limits, stat figures, survival of a killed
// agent and SSH session, and a stop that leaves no kernel object behind.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type Lab } from '../lab/lab';
import { agentOnHost, type AgentOnHost } from './support/namespacesAgent';

const LAB = 'nsdriver';
const SUBNET = '10.213.121.0/24';
const HOST = 'lab-1';
const OTHER_HOST = 'lab-2';
const PLAIN = { name: 'nsplain', xid: 2101, ip: '10.213.121.101' };
const SYSV = { name: 'nssysv', xid: 2102, ip: '10.213.121.102' };
const GUESTS = [PLAIN, SYSV];

let lab: Lab;
let agent: AgentOnHost;
let plainStartedAtHostUptime = 0;

interface LimitReport {
  usage: { memoryCurrent: number; oomKills: number; processesCurrent: number; processesHits: number; cpuUsageUsec: number };
}
interface StatusReport {
  state: string;
  initPid?: number;
  processes: number;
}
interface StatReport {
  rows: { xid: number; processes: number; rssBytes: number; name: string }[];
}

async function onHost(script: string, host = HOST): Promise<string> {
  const result = await lab.exec(host, ['/bin/sh', '-c', script], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`'${script}' on ${host} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** `status` exits 3 for a stopped guest, as util-vserver's does; both answers carry the JSON. */
async function guestStatus(name: string): Promise<StatusReport> {
  const result = await agent.run(['status', name, '--json']);
  if (result.code !== 0 && result.code !== 3) throw new Error(`status ${name} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as StatusReport;
}

async function hostUptime(): Promise<number> {
  return Number((await onHost('cat /proc/uptime')).split(' ')[0]);
}

/** Pids the kernel puts in the guest: every process of the lab host whose PID namespace is its init's. */
async function kernelGuestPids(initPid: number): Promise<number[]> {
  const script = 'ns=$(readlink /proc/$1/ns/pid); for p in /proc/[0-9]*; do [ "$(readlink $p/ns/pid 2>/dev/null)" = "$ns" ] && echo ${p#/proc/}; done; true';
  return (await lab.exec(HOST, ['/bin/sh', '-c', script, 'pids', String(initPid)])).stdout.split('\n').filter(Boolean).map(Number);
}

beforeAll(async () => {
  await labDown({ name: LAB });
  lab = await labUp({ name: LAB, hosts: 2, subnet: SUBNET });
  agent = await agentOnHost(lab, HOST);
  for (const guest of GUESTS) {
    const style = guest === PLAIN ? 'plain' : 'sysv';
    const built = await agent.run(['build', guest.name, '-m', 'busybox', '--context', String(guest.xid), '--hostname', guest.name, '--interface', `${guest.ip}/24`, '--initstyle', style]);
    if (built.code !== 0) throw new Error(`build ${guest.name}: ${built.stderr}`);
  }
  // raw_icmp and virt_uptime are util-vserver's start defaults: the plain guest keeps them, the sysv
  // guest turns virt_uptime off to show the host's uptime.
  expect((await agent.run(['uname', SYSV.name, '--flag', '~virt_uptime'])).code).toBe(0);
  // busybox 1.35's ping knows only raw sockets; iputils ping uses ICMP datagram sockets when it may not open raw ones.
  await onHost(`for file in /usr/bin/ping $(ldd /usr/bin/ping | grep -o '/[^ ]*'); do cp --parents -L "$file" /vservers/${PLAIN.name}/; done`);
  const rcScript = (file: string): string => `printf '#!/bin/sh\\necho "$1" > ${file}\\n' > `;
  await onHost(`${rcScript('/var/rc3-ran')}/vservers/${SYSV.name}/etc/rc3.d/S10nstest && ${rcScript('/var/rc6-ran')}/vservers/${SYSV.name}/etc/rc6.d/K10nstest && chmod 755 /vservers/${SYSV.name}/etc/rc?.d/*nstest`);
  await onHost(`echo host-secret > /var/lib/vfleet/host-marker && mkdir -p /vservers/${SYSV.name}/root && echo other-guest > /vservers/${SYSV.name}/root/marker`);
  plainStartedAtHostUptime = await hostUptime();
  for (const guest of GUESTS) {
    const started = await agent.run(['start', guest.name]);
    if (started.code !== 0) throw new Error(`start ${guest.name}: ${started.stderr}`);
  }
}, 180_000);

afterAll(async () => {
  if (agent) {
    for (const guest of GUESTS) await agent.run(['stop', guest.name]).catch(() => undefined);
    agent.remove();
  }
  await labDown({ name: LAB });
}, 180_000);

describe('isolation', () => {
  it('shows a guest only its own processes, with its init as PID 1 and its own hostname', async () => {
    const ps = await agent.inGuest(PLAIN.name, 'ps -o pid,comm; hostname');
    expect(ps.code).toBe(0);
    const lines = ps.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe(PLAIN.name);
    const processes = lines.slice(1, -1).map((line) => line.trim().split(/\s+/));
    expect(processes[0]?.[0]).toBe('1');
    // busybox init keeps its own name as command; the other guest's "sleep" must not show up.
    expect(new Set(processes.map(([, command]) => command))).toEqual(new Set(['busybox', 'sh', 'ps']));
  });

  it('keeps the host\'s and the other guest\'s files out of reach, also through .. and symlinks', async () => {
    const script = [
      'cat /var/lib/vfleet/host-marker',
      `cat /vservers/${SYSV.name}/root/marker`,
      `cat /../../../vservers/${SYSV.name}/root/marker`,
      `ln -sf /../../vservers/${SYSV.name}/root/marker /tmp/link && cat /tmp/link`,
      'ln -sf ../../../../var/lib/vfleet /tmp/up && ls /tmp/up/',
      'cd / && cd .. && cd .. && ls',
    ].join('; ');
    const result = await agent.inGuest(PLAIN.name, script);
    expect(result.stdout).not.toContain('host-secret');
    expect(result.stdout).not.toContain('other-guest');
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual((await onHost(`ls /vservers/${PLAIN.name}`)).split('\n').filter(Boolean).sort());
  });
});

describe('network', () => {
  it('gives a guest only its own address; binding another one fails', async () => {
    const addresses = await agent.inGuest(PLAIN.name, 'ip -4 -o addr show | awk \'{print $2, $4}\'');
    expect(addresses.stdout.trim().split('\n').sort()).toEqual(['eth0 ' + `${PLAIN.ip}/24`, 'lo 127.0.0.1/8']);
    const foreign = await agent.inGuest(PLAIN.name, `httpd -f -p ${SYSV.ip}:8081`);
    expect(foreign.code).not.toBe(0);
    expect(foreign.stderr).toMatch(/bind|assign/i);
  });

  it('lets its host and another lab host reach a service on the guest', async () => {
    const served = await agent.inGuest(PLAIN.name, `mkdir -p /www && echo hello-from-${PLAIN.name} > /www/index.html && httpd -p ${PLAIN.ip}:80 -h /www`);
    expect(served.code).toBe(0);
    // busybox's static wget crashes on this machine's glibc; a plain HTTP request through nc does not.
    const fetch = `for i in 1 2 3 4 5; do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 ${PLAIN.ip} 80 && exit 0; sleep 1; done; exit 1`;
    expect(await onHost(fetch, HOST)).toContain(`hello-from-${PLAIN.name}`);
    expect(await onHost(fetch, OTHER_HOST)).toContain(`hello-from-${PLAIN.name}`);
  });
});

describe('exec and enter', () => {
  it('passes stdin, stdout, stderr and the exit code through', async () => {
    const result = await agent.run(['exec', SYSV.name, '--', '/bin/sh', '-c', 'tr a-z A-Z; echo to-stderr >&2; exit 7'], 'piped input\n');
    expect([result.code, result.stdout, result.stderr]).toEqual([7, 'PIPED INPUT\n', 'to-stderr\n']);
  });

  it('gives enter a pty of the guest\'s own /dev/pts and passes the shell\'s exit code', async () => {
    const result = await agent.run(['enter', PLAIN.name], 'tty; ls /dev/pts; exit 3\n');
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/\/dev\/pts\/\d+/);
  });
});

describe('a failed start', () => {
  it('names the guest and the cause, and leaves no kernel object behind', async () => {
    const broken = { name: 'nsbroken', xid: 2103, ip: '10.213.121.103' };
    expect((await agent.run(['build', broken.name, '-m', 'skeleton', '--context', String(broken.xid), '--interface', `${broken.ip}/24`, '--initstyle', 'plain'])).code).toBe(0);
    await onHost(`rm -f /vservers/${broken.name}/sbin/init`);
    const started = await agent.run(['start', broken.name]);
    expect(started.code).not.toBe(0);
    expect(started.stderr).toContain(`guest '${broken.name}' on host ${HOST}`);
    expect(started.stderr).toContain('sbin/init is missing');
    expect(await onHost(`ls -d /sys/fs/cgroup/*/vfleet/${broken.name} /run/netns/vfleet-${broken.name} 2>/dev/null; ip -o link show vx${broken.xid} 2>/dev/null; true`)).toBe('');
    expect((await agent.run(['delete', broken.name])).code).toBe(0);
  });
});

describe('sysv init style', () => {
  it('runs the start runlevel\'s rc scripts and reaps orphans as PID 1', async () => {
    expect((await agent.inGuest(SYSV.name, 'cat /var/rc3-ran')).stdout).toBe('start\n');
    expect((await agent.inGuest(SYSV.name, '(sleep 0.2 >/dev/null 2>&1 &); sleep 1; ps -o stat,comm')).stdout).not.toMatch(/^Z/m);
  });
});

describe('capabilities', () => {
  it('fails a raw socket without CAP_NET_RAW, while ping works with raw_icmp granted', async () => {
    const raw = await agent.inGuest(SYSV.name, 'arping -c 1 -w 1 -I eth0 169.254.0.1');
    expect(raw.code).not.toBe(0);
    expect(raw.stderr).toMatch(/not permitted|permission/i);
    const pingWithout = await agent.inGuest(SYSV.name, 'ping -c 1 -W 2 169.254.0.1');
    expect(pingWithout.code).not.toBe(0);
    const bounding = await agent.inGuest(PLAIN.name, 'grep CapBnd /proc/self/status');
    const mask = BigInt(`0x${bounding.stdout.split(':')[1]?.trim()}`);
    expect(mask & (1n << 13n)).toBe(0n);
    const ping = await agent.inGuest(PLAIN.name, '/usr/bin/ping -c 1 -W 2 169.254.0.1');
    expect(ping.stdout).toContain('1 received');
  });
});

describe('virt_uptime', () => {
  it('counts the guest\'s /proc/uptime from its start while the host\'s keeps counting from boot', async () => {
    const guest = Number((await agent.inGuest(PLAIN.name, 'cat /proc/uptime')).stdout.split(' ')[0]);
    const host = await hostUptime();
    expect(guest).toBeLessThanOrEqual(host - plainStartedAtHostUptime + 2);
    expect(host - guest).toBeGreaterThanOrEqual(plainStartedAtHostUptime - 2);
    const other = Number((await agent.inGuest(SYSV.name, 'cat /proc/uptime')).stdout.split(' ')[0]);
    expect(other).toBeGreaterThanOrEqual(plainStartedAtHostUptime - 2);
  });
});

describe('limits', () => {
  it('kills an allocation past the memory limit inside the guest; host and other guest untouched', async () => {
    expect((await agent.run(['limit', SYSV.name, '--memory', '32M'])).code).toBe(0);
    const before = await guestStatus(SYSV.name);
    const hog = await agent.inGuest(SYSV.name, 'dd if=/dev/zero of=/dev/null bs=64M count=1');
    expect(hog.code).toBe(137);
    const after = await guestStatus(SYSV.name);
    expect([after.state, after.initPid]).toEqual(['running', before.initPid]);
    expect((await guestStatus(PLAIN.name)).state).toBe('running');
    expect((await agent.json<LimitReport>(['limit', SYSV.name])).usage.oomKills).toBeGreaterThanOrEqual(1);
    expect(await onHost('pidof sshd')).toMatch(/\d+/);
    expect((await agent.run(['limit', SYSV.name, '--memory', 'inf'])).code).toBe(0);
  });

  it('stops a fork loop at the process limit', async () => {
    expect((await agent.run(['limit', SYSV.name, '--procs', '12'])).code).toBe(0);
    const loop = await agent.inGuest(SYSV.name, 'i=0; while [ $i -lt 40 ]; do sleep 120 >/dev/null 2>&1 & i=$((i+1)); done 2>/dev/null; true');
    expect(loop.stderr + loop.stdout).not.toContain('Killed');
    const usage = (await agent.json<LimitReport>(['limit', SYSV.name])).usage;
    expect(usage.processesCurrent).toBeLessThanOrEqual(12);
    expect(usage.processesHits).toBeGreaterThan(0);
    // The limit counts the guest's own processes, as stat does (the launcher's keeper is not charged):
    // at the limit, with the loop's shell gone, only init and the sleeps that fitted remain.
    expect((await guestStatus(SYSV.name)).processes).toBe(usage.processesCurrent);
    expect(usage.processesCurrent).toBeGreaterThanOrEqual(10);
    expect((await agent.run(['limit', SYSV.name, '--procs', 'inf'])).code).toBe(0);
    await agent.inGuest(SYSV.name, 'for p in $(pidof sleep); do [ "$(cat /proc/$p/cmdline | tr "\\0" " ")" = "sleep 120 " ] && kill $p; done; true');
  });

  it('holds a busy loop to a 0.25-CPU bucket within 20 % over a few seconds of cgroup accounting', async () => {
    expect((await agent.run(['limit', PLAIN.name, '--cpu', '0.25'])).code).toBe(0);
    const cpuacct = `/sys/fs/cgroup/cpuacct/vfleet/${PLAIN.name}/cpuacct.usage`;
    const before = Number(await onHost(`cat ${cpuacct}`));
    const busy = await agent.inGuest(PLAIN.name, 'timeout 4 sh -c "while :; do :; done"; true');
    expect(busy.code).toBe(0);
    const used = (Number(await onHost(`cat ${cpuacct}`)) - before) / 1e9;
    expect(used / 4).toBeGreaterThan(0.2);
    expect(used / 4).toBeLessThan(0.3);
  }, 30_000);
});

describe('stat', () => {
  it('reports the exact process count and RSS within 10 % of the kernel\'s', async () => {
    expect((await agent.inGuest(PLAIN.name, 'for i in 1 2 3; do sleep 300 >/dev/null 2>&1 & done; true')).code).toBe(0);
    const status = await guestStatus(PLAIN.name);
    const pids = await kernelGuestPids(status.initPid ?? 0);
    const row = (await agent.json<StatReport>(['stat'])).rows.find((candidate) => candidate.xid === PLAIN.xid);
    expect(row?.processes).toBe(pids.length);
    expect(pids.length).toBeGreaterThanOrEqual(4);
    const rssKb = await onHost(`for p in ${pids.join(' ')}; do grep VmRSS /proc/$p/status; done | awk '{sum += $2} END {print sum}'`);
    const kernelRss = Number(rssKb) * 1024;
    expect(Math.abs((row?.rssBytes ?? 0) - kernelRss) / kernelRss).toBeLessThan(0.1);
  });
});

describe('survival', () => {
  it('keeps a guest running after the agent and its SSH session are killed; a new agent sees it', async () => {
    const session = spawn('ssh', ['-F', lab.sshConfigPath, HOST, `${process.execPath} ${agent.bundle} restart ${SYSV.name} && exec sleep 600`], { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    let status: StatusReport = { state: 'stopped', processes: 0 };
    while (Date.now() < deadline) {
      status = await guestStatus(SYSV.name);
      const sleeping = await onHost('for p in /proc/[0-9]*; do [ "$(tr "\\0" " " < $p/cmdline 2>/dev/null)" = "sleep 600 " ] && echo ${p#/proc/}; done; true');
      if (status.state === 'running' && sleeping.trim() !== '') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status.state).toBe('running');
    session.kill('SIGKILL');
    await onHost('for p in /proc/[0-9]*; do case "$(tr "\\0" " " < $p/cmdline 2>/dev/null)" in "sshd: root"*|"sleep 600 ") kill -9 ${p#/proc/};; esac; done; true');
    const again = await guestStatus(SYSV.name);
    expect([again.state, again.initPid]).toEqual(['running', status.initPid]);
    expect((await agent.inGuest(SYSV.name, 'hostname')).stdout).toBe(`${SYSV.name}\n`);
  }, 90_000);
});

describe('stop', () => {
  it('leaves no process, cgroup, namespace, mount, link or proxy entry behind', async () => {
    for (const guest of GUESTS) expect((await agent.run(['stop', guest.name])).code).toBe(0);
    expect(await onHost(`cat /vservers/${SYSV.name}/var/rc6-ran`)).toBe('stop\n');
    const namespaces = await onHost('for p in /proc/[0-9]*; do readlink $p/ns/pid; readlink $p/ns/mnt; readlink $p/ns/net; done 2>/dev/null | sort -u | wc -l');
    expect(Number(namespaces)).toBe(3);
    for (const guest of GUESTS) {
      expect(await onHost(`ls -d /sys/fs/cgroup/*/vfleet/${guest.name} 2>/dev/null; true`)).toBe('');
      expect(await onHost(`grep -c '/vservers/${guest.name}' /proc/self/mountinfo; true`)).toBe('0\n');
      expect(await onHost(`ip -o link show vx${guest.xid} 2>/dev/null; ip neigh show proxy ${guest.ip}; ip route show ${guest.ip}; true`)).toBe('');
    }
    expect(await onHost('ls /run/netns; grep -c nsfs /proc/self/mountinfo; true')).toBe('0\n');
  });
});
