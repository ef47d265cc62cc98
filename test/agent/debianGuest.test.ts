// A real Debian guest (bookworm minbase, sysvinit, sshd) under the namespaces driver on a lab host,
// init style sysv: the agent's own `build -m debootstrap` (offline, from the cached .debs) and a
// `build -m template` from the cached tree; start runs the rc scripts, sshd answers on the guest's
// address, exec and enter work, the guest sees only its own processes, stop runs runlevel 6 and
// leaves nothing behind. The Debian tree is built once per machine (test/support/debianRoot.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type Lab } from '../lab/lab';
import { debianRoot, type DebianRoot } from '../support/debianRoot';
import { TestRpcClient } from './support/agentRpcClient';
import { agentOnHost, type AgentOnHost } from './support/namespacesAgent';

const LAB = 'debguest';
const SUBNET = '10.213.132.0/24';
const HOST = 'lab-1';
/** Built by the agent's debootstrap method. */
const DEB1 = { name: 'deb1', xid: 3201, ip: '10.213.132.101' };
/** Built by the template method from the cached tree. */
const DEB2 = { name: 'deb2', xid: 3202, ip: '10.213.132.102' };
const GUESTS = [DEB1, DEB2];
const PROBE_LOG = '/var/lib/vfleet-probe.log';

/**
 * An LSB init script registered with update-rc.d like any package's: it logs each start and stop
 * with the runlevel rc passes, and before its start line what `ps` shows inside the guest ("ps PID NAME").
 */
const PROBE_SCRIPT = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          vfleet-probe
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: logs the runlevel changes rc makes
### END INIT INFO
case "$1" in
  start) ps -e -o pid=,comm= | sed 's/^ */ps /' >> ${PROBE_LOG}; echo "start \${runlevel:-?}" >> ${PROBE_LOG} ;;
  stop) echo "stop \${runlevel:-?}" >> ${PROBE_LOG} ;;
esac
exit 0
`;

let lab: Lab;
let agent: AgentOnHost;
let root: DebianRoot;
const timings: Record<string, number> = {};

async function timed<T>(label: string, action: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  try {
    return await action();
  } finally {
    timings[label] = (Date.now() - started) / 1000;
  }
}

async function onHost(script: string): Promise<string> {
  const result = await lab.exec(HOST, ['/bin/sh', '-c', script], { timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`'${script}' on ${HOST} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

async function agentOk(args: string[]): Promise<string> {
  const result = await agent.run(args);
  if (result.code !== 0) throw new Error(`agent ${args.join(' ')} failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

async function installProbe(guest: string): Promise<void> {
  const rootDir = `/vservers/${guest}`;
  await lab.exec(HOST, ['/bin/sh', '-c', `cat > ${rootDir}/etc/init.d/vfleet-probe && chmod 755 ${rootDir}/etc/init.d/vfleet-probe`], { input: PROBE_SCRIPT });
  await onHost(`chroot ${rootDir} /usr/sbin/update-rc.d vfleet-probe defaults 2>&1`);
}

/** sshd's host key as ssh-keyscan reads it from the guest's address, retried while sshd comes up. */
async function scannedKey(ip: string): Promise<string> {
  return onHost(`for i in $(seq 20); do out=$(ssh-keyscan -T 3 -t ed25519 ${ip} 2>/dev/null) && [ -n "$out" ] && { echo "$out"; exit 0; }; sleep 0.5; done; exit 1`);
}

async function probeLog(guest: string): Promise<string> {
  return onHost(`cat /vservers/${guest}${PROBE_LOG} 2>/dev/null; true`);
}

/** start returns once init runs; its rc scripts may still be at work, so wait for the probe's line. */
async function probeLogWith(guest: string, line: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const log = await probeLog(guest);
    if (log.split('\n').includes(line) || Date.now() > deadline) return log;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  root = await timed('debian root (cache)', () => debianRoot());
  await labDown({ name: LAB });
  lab = await labUp({ name: LAB, hosts: 1, subnet: SUBNET });
  agent = await agentOnHost(lab, HOST);
  const common = (guest: typeof DEB1): string[] => ['--context', String(guest.xid), '--hostname', guest.name, '--interface', `${guest.ip}/24`, '--initstyle', 'sysv'];
  // The agent's real debootstrap method, offline: debootstrap installs from the cached .debs.
  await timed('build -m debootstrap', () => agentOk(['build', DEB1.name, '-m', 'debootstrap', ...common(DEB1), '--', '-d', root.spec.suite, '--', ...root.debootstrapOptions]));
  await timed('build -m template', () => agentOk(['build', DEB2.name, '-m', 'template', ...common(DEB2), '--source', root.tree]));
  for (const guest of GUESTS) await installProbe(guest.name);
  // deb2 first, so that deb1's rc scripts run while another Debian guest's sshd exists.
  for (const guest of [DEB2, DEB1]) await timed(`start ${guest.name}`, () => agentOk(['start', guest.name]));
}, 900_000);

afterAll(async () => {
  if (agent) {
    for (const guest of GUESTS) await agent.run(['stop', guest.name]).catch(() => undefined);
    agent.remove();
  }
  await labDown({ name: LAB });
  console.log(`debian guest timings (s): ${JSON.stringify({ ...timings, 'first tree build (cached)': root?.buildSeconds })}`);
}, 180_000);

describe('the builds', () => {
  it('installs Debian bookworm with sysvinit through the agent\'s debootstrap method and from the template', async () => {
    for (const guest of GUESTS) {
      expect(await onHost(`cat /vservers/${guest.name}/etc/debian_version`)).toMatch(/^12\.\d+\n$/);
      const packages = await onHost(`chroot /vservers/${guest.name} dpkg-query -W -f '\${Package} \${Status}\\n' sysvinit-core openssh-server procps`);
      expect(packages.trim().split('\n').map((line) => line.split(' ')[0] + ' ' + line.split(' ').at(-1))).toEqual(['openssh-server installed', 'procps installed', 'sysvinit-core installed']);
      expect(await onHost(`cat /vservers/${guest.name}/etc/hostname`)).toBe(`${guest.name}\n`);
    }
    expect(await onHost(`cat /etc/vservers/${DEB1.name}/apps/init/style`)).toBe('sysv\n');
  });
});

describe('start', () => {
  it('runs runlevel 3\'s rc scripts: the probe logs its start and sshd comes up', async () => {
    for (const guest of GUESTS) {
      const events = (await probeLogWith(guest.name, 'start 3')).split('\n').filter((line) => line && !line.startsWith('ps '));
      expect(events).toEqual(['start 3']);
      const status = JSON.parse(await agentOk(['status', guest.name, '--json'])) as { state: string };
      expect(status.state).toBe('running');
    }
  });

  it('answers ssh on the guest\'s address with the guest\'s own host key', async () => {
    for (const guest of GUESTS) {
      const key = (await onHost(`cat /vservers/${guest.name}/etc/ssh/ssh_host_ed25519_key.pub`)).split(' ')[1];
      expect(await scannedKey(guest.ip)).toContain(`ssh-ed25519 ${key}`);
    }
  });

  it('shows the rc scripts only the guest\'s own processes, with its init as PID 1', async () => {
    const seen = (await probeLogWith(DEB1.name, 'start 3')).split('\n').filter((line) => line.startsWith('ps ')).map((line) => line.split(/\s+/).slice(1));
    expect(seen[0]).toEqual(['1', 'sh']);
    const names = new Set(seen.map(([, name]) => name));
    for (const foreign of ['tini', 'node', 'nsenter', 'unshare', 'setpriv']) expect(names.has(foreign)).toBe(false);
    // deb2's sshd is running but out of sight: at most deb1's own one may show.
    expect(seen.filter(([, name]) => name === 'sshd').length).toBeLessThanOrEqual(1);
    expect(seen.every(([pid]) => Number(pid) < 200)).toBe(true);
  });
});

describe('exec', () => {
  it('runs ps -ef, hostname and cat /etc/debian_version inside the guest', async () => {
    const hostname = await agent.run(['exec', DEB1.name, '--', 'hostname']);
    expect([hostname.code, hostname.stdout, hostname.stderr]).toEqual([0, `${DEB1.name}\n`, '']);
    const version = await agent.run(['exec', DEB1.name, '--', 'cat', '/etc/debian_version']);
    expect([version.code, version.stdout]).toEqual([0, await onHost(`cat /vservers/${DEB1.name}/etc/debian_version`)]);
    const ps = await agent.run(['exec', DEB1.name, '--', 'ps', '-ef']);
    expect(ps.code).toBe(0);
    const rows = ps.stdout.trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/));
    expect(rows[0]?.slice(0, 3)).toEqual(['root', '1', '0']);
  });

  it('shows the guest only its own processes: its init, sshd and the command itself', async () => {
    const ps = await agent.run(['exec', DEB1.name, '--', 'ps', '-e', '-o', 'pid=,comm=']);
    expect(ps.code).toBe(0);
    const names = ps.stdout.trim().split('\n').map((line) => line.trim().split(/\s+/)[1]);
    // PID 1 is the guest's own /bin/sh running the rc loop (sleep is its wait), sshd the guest's one.
    expect([...new Set(names)].sort()).toEqual(['ps', 'sh', 'sleep', 'sshd']);
    expect(names.filter((name) => name === 'sshd')).toHaveLength(1);
  });
});

describe('enter', () => {
  it('opens a shell on a pty: a typed command is answered, exit ends the session with its code', async () => {
    const child = lab.spawn(HOST, [process.execPath, agent.bundle, 'serve', '--stdio']);
    try {
      const client = new TestRpcClient(child);
      const { session } = await client.result<{ session: string }>('enter', { name: DEB1.name, cols: 90, rows: 25 });
      const output = (): string => client.events
        .filter((line) => line.event === 'execOutput' && (line.data as { session: string }).session === session)
        .map((line) => Buffer.from((line.data as { data: string }).data, 'base64').toString())
        .join('');
      const exited = (line: { event?: string; data?: unknown }): boolean => line.event === 'execExit' && (line.data as { session: string }).session === session;
      const type = (text: string): Promise<unknown> => client.result('stdin', { session, data: Buffer.from(text).toString('base64') });
      await type('echo "answer:$(hostname):$(tty):$(stty size)"\n');
      const deadline = Date.now() + 20_000;
      while (!/answer:deb1:\/dev\/pts\/\d+:25 90/.test(output()) && !client.events.some(exited) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(output()).toMatch(/answer:deb1:\/dev\/pts\/\d+:25 90/);
      await type('exit 4\n');
      const exit = await client.waitForEvent('execExit', exited);
      expect((exit.data as { code: number }).code).toBe(4);
    } finally {
      child.stdin?.end();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('stop', () => {
  it('runs runlevel 6\'s rc scripts and leaves no process, cgroup, mount or link behind', async () => {
    for (const guest of GUESTS) {
      await timed(`stop ${guest.name}`, () => agentOk(['stop', guest.name]));
      expect((await probeLog(guest.name)).split('\n').filter((line) => line && !line.startsWith('ps '))).toEqual(['start 3', 'stop 6']);
      // rc 6 ran to its last script (reboot, which the kernel refuses without CAP_SYS_BOOT), so the
      // guest's init ended by itself, not by the SIGKILL that follows the kill sequence's wait.
      const consoleLog = await onHost(`cat /etc/vservers/${guest.name}/vfleet/console.log`);
      expect(consoleLog.slice(consoleLog.lastIndexOf('--- vfleet: starting'))).toMatch(/runlevel 6[\s\S]*Will now restart/);
      expect(await onHost(`ls -d /sys/fs/cgroup/*/vfleet/${guest.name} 2>/dev/null; true`)).toBe('');
      expect(await onHost(`grep -c '/vservers/${guest.name}' /proc/self/mountinfo; true`)).toBe('0\n');
      expect(await onHost(`ip -o link show vx${guest.xid} 2>/dev/null; ip route show ${guest.ip}; true`)).toBe('');
    }
    // Every process left on the lab host shares the host's PID, mount and network namespace: no
    // guest process, keeper or exec helper survived.
    const namespaces = await onHost('for p in /proc/[0-9]*; do readlink $p/ns/pid; readlink $p/ns/mnt; readlink $p/ns/net; done 2>/dev/null | sort -u | wc -l');
    expect(Number(namespaces)).toBe(3);
    expect(await onHost('ls /run/netns; true')).toBe('');
    expect(await onHost(`ssh-keyscan -T 2 ${DEB1.ip} 2>/dev/null; true`)).toBe('');
  });
});
