// The namespaces driver's pure pieces, on recorded inputs: the launcher's argv chains, the
// guest's fstab, the uplink a guest address belongs to, /proc parsing and the pid file.
import { describe, expect, it } from 'vitest';
import type { GuestConfig } from '../../shared/domain/guest';
import { pingGroupRange, setprivArgs, wantsVirtualUptime } from '../../host-agent/src/drivers/namespaces/launch/capabilityArgs';
import { DEFAULT_GUEST_FSTAB, parseGuestFstab } from '../../host-agent/src/drivers/namespaces/launch/guestFstab';
import { execArgv, initArgv, startArgv } from '../../host-agent/src/drivers/namespaces/launch/launchArgv';
import type { HostTools } from '../../host-agent/src/drivers/namespaces/launch/hostTools';
import { parseIpAddrJson, uplinkFor } from '../../host-agent/src/drivers/namespaces/network/uplink';
import { parsePidFile } from '../../host-agent/src/drivers/namespaces/runtime/initProcess';
import { parseKillSequence } from '../../host-agent/src/drivers/namespaces/runtime/initSettings';
import { parseProcStat, parseProcStatm } from '../../host-agent/src/drivers/namespaces/runtime/procStat';

const TOOLS: HostTools = {
  sh: '/bin/sh', unshare: '/usr/bin/unshare', nsenter: '/usr/bin/nsenter', setpriv: '/usr/bin/setpriv', ip: '/sbin/ip', script: '/usr/bin/script', stty: '/bin/stty',
  pivot_root: '/usr/sbin/pivot_root', umount: '/usr/bin/umount',
};

const GUEST: GuestConfig = {
  name: 'web1', xid: 1001, nodename: 'web1', domainname: '', interfaces: [{ id: '0', ip: '10.0.0.5', prefix: 24, dev: '' }],
  initStyle: 'plain', mark: '', bcapabilities: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'], ccapabilities: [], cflags: [], limits: {}, rootDir: '/vservers/web1',
};

describe('launcher argv', () => {
  it('starts a plain guest: cgroups first, then its network namespace, the new namespaces with uptime offsets, and setpriv before init', () => {
    const argv = startArgv(TOOLS, {
      config: GUEST, procsFiles: ['/cg/a/cgroup.procs', '/cg/b/cgroup.procs'], netnsFile: '/run/netns/vfleet-web1', pidFile: '/run/vfleet/guests/web1/init.pid',
      consoleLog: '/etc/vservers/web1/vfleet/console.log', consoleLogBytes: 120, consoleFifo: '/run/vfleet/guests/web1/console', syncDir: '/run/vfleet/sync/start-1', mounts: parseGuestFstab(DEFAULT_GUEST_FSTAB),
      pingRange: '', clockOffsetSeconds: 5000, startRunlevel: '3', stopRunlevel: '6',
    });
    const join = argv.indexOf('vfleet-join');
    expect(argv.slice(join + 1, join + 4)).toEqual(['/cg/a/cgroup.procs', '/cg/b/cgroup.procs', '--']);
    expect(argv).toContain('--net=/run/netns/vfleet-web1');
    const unshare = argv.indexOf('/usr/bin/unshare');
    expect(argv.slice(unshare, unshare + 11)).toEqual(['/usr/bin/unshare', '--mount', '--pid', '--uts', '--ipc', '--time', '--boottime', '-5000', '--monotonic', '-5000', '--propagation']);
    const prepare = argv.indexOf('vfleet-prepare');
    const console = argv.indexOf('vfleet-console');
    expect(argv.slice(console + 1, console + 5)).toEqual(['/run/vfleet/guests/web1/console', '/etc/vservers/web1/vfleet/console.log', '120', String(256 * 1024)]);
    expect(console).toBeLessThan(argv.indexOf('--net=/run/netns/vfleet-web1'));
    expect(argv.slice(prepare + 1, prepare + 12)).toEqual(['/vservers/web1', 'web1', '(none)', '', '/run/vfleet/guests/web1/console', '1', 'tmpfs', 'size=16m,mode=1777', 'tmpfs', 'tmp', '/usr/bin/unshare']);
    const setpriv = argv.indexOf('/usr/bin/setpriv');
    expect(argv.slice(setpriv + 1, setpriv + 8)).toEqual(['--bounding-set', '-all,+chown,+net_bind_service', '--inh-caps', '-all', '--ambient-caps', '-all', '--']);
    expect(argv.slice(-5)).toEqual(['/run/vfleet/sync/start-1', 'init', '/', '0', '/sbin/init']);
    expect(argv.indexOf('vfleet-join')).toBeLessThan(argv.indexOf('--net=/run/netns/vfleet-web1'));
    // The switch helper starts outside every new namespace, with the host binaries it runs from there.
    const helper = argv.indexOf('vfleet-switch');
    expect(argv.slice(helper + 1, helper + 6)).toEqual(['/run/vfleet/sync/start-1', '/usr/bin/nsenter', '/usr/sbin/pivot_root', '/usr/bin/umount', '/run/vfleet/guests/web1/init.pid']);
    expect(helper).toBeLessThan(argv.indexOf('--net=/run/netns/vfleet-web1'));
  });

  it('runs a sysv guest\'s rc scripts under the reaping init in its own /bin/sh', () => {
    expect(initArgv({ config: { ...GUEST, initStyle: 'sysv' }, startRunlevel: '3', stopRunlevel: '6' }).filter((word) => !word.includes('\n'))).toEqual(['/bin/sh', '-c', 'vfleet-sysv-init', '3', '6']);
  });

  it('execs through the keeper\'s staging namespace and joins the PID namespace last, right before setpriv', () => {
    const plain = execArgv(TOOLS, { config: GUEST, initPid: 4242, keeperPid: 4241, procsFiles: ['/cg/a/cgroup.procs'], syncDir: '/s', workingDir: '/root', argv: ['ls', '-l'], env: { LD_PRELOAD: '/x.so', PATH: '.:bin' }, tty: false });
    // The caller's variables reach the guest program alone, as words the stopper exports; the chain's environment is fixed.
    expect(plain.env).toEqual({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', TERM: 'dumb' });
    expect(plain.argv.indexOf('vfleet-switch')).toBeLessThan(plain.argv.indexOf('--mount=/proc/4241/ns/mnt'));
    expect(plain.argv.slice(plain.argv.indexOf('vfleet-switch') + 5)[0]).toBe('-');
    expect(plain.argv).toContain('--mount=/proc/4241/ns/mnt');
    const pid = plain.argv.indexOf('--pid=/proc/4242/ns/pid');
    expect(plain.argv.slice(pid - 1, pid + 4)).toEqual(['/usr/bin/nsenter', '--pid=/proc/4242/ns/pid', '--no-fork', '--', '/usr/bin/setpriv']);
    expect(plain.argv.slice(-9)).toEqual(['vfleet-stopper', '/s', 'exec', '/root', '2', 'LD_PRELOAD=/x.so', 'PATH=.:bin', 'ls', '-l']);
    const tty = execArgv(TOOLS, { config: GUEST, initPid: 4242, keeperPid: 4241, procsFiles: [], syncDir: '/s', workingDir: '/', argv: ['/bin/sh', '-l'], env: {}, tty: true });
    expect(tty.argv.slice(-6, -2)).toEqual(['/usr/bin/script', '--quiet', '--return', '--command']);
    expect(tty.argv.at(-1)).toBe('/dev/null');
    expect(tty.env.VFLEET_ARG_0).toBe('/usr/bin/nsenter');
    expect(tty.env[`VFLEET_ARG_${Number(tty.env.VFLEET_ARGC) - 1}`]).toBe('-l');
  });

  it('maps capability names, raw_icmp and virt_uptime', () => {
    expect(setprivArgs([])).toEqual(['--bounding-set', '-all', '--inh-caps', '-all', '--ambient-caps', '-all']);
    expect([pingGroupRange(['raw_icmp']), pingGroupRange(['set_utsname'])]).toEqual(['0 2147483647', '']);
    expect([wantsVirtualUptime(['VIRT_UPTIME']), wantsVirtualUptime(['default']), wantsVirtualUptime([])]).toEqual([true, true, false]);
  });
});

describe('guest fstab', () => {
  it('keeps util-vserver\'s /tmp line and leaves /proc and /dev/pts to the launcher', () => {
    expect(parseGuestFstab(DEFAULT_GUEST_FSTAB)).toEqual([{ source: 'tmpfs', target: 'tmp', type: 'tmpfs', options: 'size=16m,mode=1777' }]);
    expect(parseGuestFstab('# data\n/srv/data /data none bind 0 0\n')).toEqual([{ source: '/srv/data', target: 'data', type: 'none', options: 'bind' }]);
  });

  it('refuses a mount point that climbs out of the guest root', () => {
    expect(() => parseGuestFstab('none /tmp/../../etc tmpfs defaults 0 0')).toThrow(/leaves the guest's root/);
  });
});

describe('uplink of a guest address', () => {
  const recorded = '[{"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},'
    + '{"ifindex":2,"ifname":"eth0","addr_info":[{"family":"inet","local":"192.168.10.4","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]},'
    + '{"ifindex":3,"ifname":"bond0","addr_info":[{"family":"inet","local":"10.20.0.2","prefixlen":16}]},'
    + '{"ifindex":9,"ifname":"vx1001","addr_info":[{"family":"inet","local":"169.254.0.1","prefixlen":32}]}]';

  it('is interfaces/<n>/dev when set, else the device whose subnet holds the address, else none', () => {
    const addresses = parseIpAddrJson(recorded);
    expect(uplinkFor(addresses, '192.168.10.50', '', 'vx')).toBe('eth0');
    expect(uplinkFor(addresses, '10.20.77.1', '', 'vx')).toBe('bond0');
    expect(uplinkFor(addresses, '172.16.0.9', '', 'vx')).toBeUndefined();
    expect(uplinkFor(addresses, '172.16.0.9', 'eth1', 'vx')).toBe('eth1');
  });
});

describe('/proc and the pid file', () => {
  it('parses a stat line whose command holds spaces and parentheses, memory from statm in pages, and the faults of reaped children', () => {
    const stat = parseProcStat('4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 120 30 0 2 15 7 0 0 20 0 1 0 98765 2322432 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0');
    expect(stat).toMatchObject({ pid: 4242, state: 'S', ppid: 1, utimeTicks: 15, stimeTicks: 7, startTicks: 98765, vszBytes: 2322432, reapedChildFaults: 32 });
    expect(parseProcStatm('567 300 210 38 0 90 0\n', 4096)).toEqual({ vszBytes: 567 * 4096, rssBytes: 300 * 4096 });
    expect(parseProcStatm('567 300 210 38 0 90 0\n', 16384)).toEqual({ vszBytes: 567 * 16384, rssBytes: 300 * 16384 });
    expect([parseProcStatm('', 4096), parseProcStatm('567\n', 4096), parseProcStatm('a b', 4096)]).toEqual([undefined, undefined, undefined]);
  });

  it('reads the launcher\'s "INIT KEEPER" and the agent\'s checked form, and nothing else', () => {
    expect(parsePidFile('812 811\n')).toEqual({ init: { pid: 812 }, keeper: { pid: 811 } });
    expect(parsePidFile('812 98765 811 98760\n')).toEqual({ init: { pid: 812, startTicks: 98765 }, keeper: { pid: 811, startTicks: 98760 } });
    expect([parsePidFile(''), parsePidFile('812'), parsePidFile('-1 3'), parsePidFile('a b')]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('apps/init settings', () => {
  it('reads killseq as util-vserver does, numbers or names, with the default "15 5 9" when unreadable', () => {
    expect(parseKillSequence('15 5 9')).toEqual([{ signal: 'SIGTERM', waitSeconds: 5 }, { signal: 'SIGKILL', waitSeconds: 0 }]);
    expect(parseKillSequence('INT 2 term 3 9')).toEqual([{ signal: 'SIGINT', waitSeconds: 2 }, { signal: 'SIGTERM', waitSeconds: 3 }, { signal: 'SIGKILL', waitSeconds: 0 }]);
    expect(parseKillSequence('')).toEqual(parseKillSequence('15 5 9'));
    expect(parseKillSequence('15 soon 9')).toEqual(parseKillSequence('15 5 9'));
  });
});
