import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type Lab } from './lab';
import { knownHostKey, labConnectConfig, sshRun } from './labSsh';
import { discoverHierarchies } from './cgroups/hierarchies';
import { labObjectNames } from './state/labNames';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const labName = 'labtest';
const subnet = '10.213.101.0/24';

/** Everything a lab could leave behind on this machine, found without its state file. */
function leftoversOf(name: string, dir: string): string[] {
  const names = labObjectNames(name);
  const found: string[] = [];
  const links = execFileSync('ip', ['-o', 'link', 'show']).toString();
  if (links.includes(names.linkPrefix)) found.push(`links ${names.linkPrefix}*`);
  const netns = execFileSync('ip', ['netns', 'list']).toString();
  if (netns.includes(names.netnsPrefix)) found.push(`netns ${names.netnsPrefix}*`);
  const mounts = readFileSync('/proc/mounts', 'utf8');
  if (mounts.includes(dir) || mounts.includes(names.netnsPrefix)) found.push('mounts');
  for (const hierarchy of discoverHierarchies()) {
    if (existsSync(join(hierarchy.ownDirectory, names.cgroupDirectory))) found.push(`cgroup in ${hierarchy.mountPoint}`);
  }
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) found.push(`process ${pid}`);
    } catch {
      continue;
    }
  }
  if (existsSync(dir)) found.push(`directory ${dir}`);
  return found;
}

async function hostKeySeen(lab: Lab, host: string): Promise<Buffer> {
  let seen = Buffer.alloc(0);
  await sshRun(labConnectConfig(lab, host, {
    hostVerifier: (key: Buffer) => {
      seen = Buffer.from(key);
      return true;
    },
  }), 'true');
  return seen;
}

describe('lab of three SSH hosts', () => {
  let lab: Lab;

  beforeAll(async () => {
    await labDown({ name: labName });
    lab = await labUp({ name: labName, hosts: 3, subnet });
  });

  afterAll(async () => {
    await labDown({ name: labName });
  });

  it('answers on every host over ssh2 with the lab key, host key checked against known_hosts, with its own hostname, which it resolves', async () => {
    for (const host of ['lab-1', 'lab-2', 'lab-3']) {
      const result = await sshRun(labConnectConfig(lab, host), 'hostname; echo "$PATH"; getent hosts "$(hostname)"');
      const [hostname, path, resolved] = result.stdout.trim().split('\n');
      expect(hostname).toBe(host);
      expect(path?.split(':')).toContain('/usr/bin');
      // Its name resolves locally, as on an installed host (sudo looks it up).
      expect(resolved?.split(/\s+/)).toEqual(['127.0.1.1', host]);
    }
  });

  it('gives each host a /root of its own, as a fresh Debian install has it, not the machine\'s', async () => {
    for (const host of ['lab-1', 'lab-2']) {
      const listing = await sshRun(labConnectConfig(lab, host), 'echo $(ls -A /root); stat -c %a /root; cat /root/.bashrc');
      const [files, mode, ...bashrc] = listing.stdout.split('\n');
      expect(files?.trim().split(/\s+/).sort()).toEqual(['.bashrc', '.profile']);
      expect(mode).toBe('700');
      expect(bashrc.join('\n')).toBe(readFileSync('/usr/share/base-files/dot.bashrc', 'utf8'));
    }
    // What one host writes there, no other host and not the machine sees.
    await sshRun(labConnectConfig(lab, 'lab-1'), 'echo lab-1 > /root/written-on-lab-1');
    expect((await sshRun(labConnectConfig(lab, 'lab-2'), 'ls -A /root')).stdout).not.toContain('written-on-lab-1');
    expect(existsSync('/root/written-on-lab-1')).toBe(false);
  });

  it('refuses a host whose key differs from the one known', async () => {
    const lab2Key = knownHostKey(lab.knownHostsPath, 'lab-2');
    const config = labConnectConfig(lab, 'lab-1', { hostVerifier: (key: Buffer) => lab2Key !== undefined && key.equals(lab2Key) });
    await expect(sshRun(config, 'hostname')).rejects.toThrow(/verification failed/i);
  });

  it('lets the OpenSSH client reach lab-3 through the lab ssh_config with strict host key checking', () => {
    const output = execFileSync('ssh', ['-F', lab.sshConfigPath, 'lab-3', 'hostname']).toString();
    expect(output.trim()).toBe('lab-3');
  });

  it('reports every host up in status, with the key and ssh_config paths', async () => {
    const status = await lab.status();
    expect(status.dir).toBe(lab.dir);
    expect(status.hosts.map((host) => [host.name, host.address, host.port, host.state])).toEqual([
      ['lab-1', '10.213.101.1', 22, 'up'],
      ['lab-2', '10.213.101.2', 22, 'up'],
      ['lab-3', '10.213.101.3', 22, 'up'],
    ]);
    for (const host of status.hosts) {
      expect(existsSync(host.keyPath)).toBe(true);
      expect(readFileSync(host.sshConfigPath, 'utf8')).toContain(`Host ${host.name}`);
    }
  });

  it('lets hosts reach each other over the lab bridge', async () => {
    const result = await lab.exec('lab-1', ['ping', '-c', '1', '-W', '2', lab.host('lab-2').address]);
    expect(result.code).toBe(0);
  });

  it('keeps /vservers, the network namespace names and the network devices private to each host', async () => {
    await sshRun(labConnectConfig(lab, 'lab-1'), 'echo guest > /vservers/only-on-lab-1 && ip netns add guest-net-of-lab-1');
    const onLab1 = await lab.exec('lab-1', ['sh', '-c', 'cat /vservers/only-on-lab-1; ip netns list']);
    expect(onLab1.stdout).toContain('guest');
    expect(onLab1.stdout).toContain('guest-net-of-lab-1');
    const onLab2 = await lab.exec('lab-2', ['sh', '-c', 'ls -A /vservers; ip netns list; ls /sys/class/net; ls -A /var/lib/vfleet-lab']);
    expect(onLab2.stdout.trim().split('\n').sort()).toEqual(['eth0', 'lo']);
    await lab.exec('lab-1', ['ip', 'netns', 'delete', 'guest-net-of-lab-1']);
  });

  it('hides a process of lab-1 from the process list and the v1 and v2 cgroup trees of lab-2', async () => {
    const guestCgroupName = 'guest-of-lab-1';
    const sleeper = lab.spawn('lab-1', ['sleep', '4711']);
    try {
      const mounted = (await lab.exec('lab-1', ['sh', '-c', 'ls /sys/fs/cgroup'])).stdout.trim().split('\n');
      expect(mounted).toEqual(expect.arrayContaining(['cpu', 'memory', 'pids', 'unified']));
      // A guest cgroup in lab-1, in a v1 controller and in v2, holding the process.
      const joined = await lab.exec('lab-1', ['sh', '-c', [
        'pid=$(pgrep -f "^sleep 4711")',
        `for tree in pids unified; do mkdir /sys/fs/cgroup/$tree/${guestCgroupName} && echo $pid > /sys/fs/cgroup/$tree/${guestCgroupName}/cgroup.procs; done`,
        'cat /proc/$pid/cgroup',
      ].join('; ')]);
      expect(joined.stdout).toContain(`pids:/${guestCgroupName}`);
      expect(joined.stdout).toContain(`0::/${guestCgroupName}`);
      expect((await lab.exec('lab-1', ['ps', '-eo', 'args'])).stdout).toContain('sleep 4711');

      const lab2Processes = await lab.exec('lab-2', ['ps', '-eo', 'args']);
      expect(lab2Processes.stdout).not.toContain('sleep 4711');
      const lab2Cgroups = await lab.exec('lab-2', ['sh', '-c', `find /sys/fs/cgroup -name ${guestCgroupName}; find /sys/fs/cgroup/pids /sys/fs/cgroup/unified -name cgroup.procs -exec cat {} + | sort -u`]);
      expect(lab2Cgroups.stdout).not.toContain(guestCgroupName);
      // A member from outside lab-2's PID namespace would be listed as pid 0.
      expect(lab2Cgroups.stdout.trim().split('\n').map(Number)).not.toContain(0);
    } finally {
      sleeper.kill();
      await lab.exec('lab-1', ['sh', '-c', `while pgrep -f "^sleep 4711" >/dev/null; do sleep 0.05; done; rmdir /sys/fs/cgroup/pids/${guestCgroupName} /sys/fs/cgroup/unified/${guestCgroupName}`], { timeoutMs: 10000 });
    }
  });

  it('cut makes a host unreachable and heal makes it reachable again', async () => {
    await lab.cut('lab-1');
    expect(lab.host('lab-1').state).toBe('cut');
    await expect(sshRun(labConnectConfig(lab, 'lab-1', { readyTimeout: 2000 }), 'hostname')).rejects.toThrow();
    await lab.heal('lab-1');
    expect(lab.host('lab-1').state).toBe('up');
    expect((await sshRun(labConnectConfig(lab, 'lab-1'), 'hostname')).stdout.trim()).toBe('lab-1');
  });

  it('kill-sshd refuses new connections while the host keeps running, start-sshd serves them again', async () => {
    await lab.killSshd('lab-2');
    expect(lab.host('lab-2').state).toBe('sshd-down');
    await expect(sshRun(labConnectConfig(lab, 'lab-2'), 'hostname')).rejects.toThrow(/ECONNREFUSED/);
    expect((await lab.exec('lab-2', ['hostname'])).stdout.trim()).toBe('lab-2');
    await lab.startSshd('lab-2');
    expect(lab.host('lab-2').state).toBe('up');
    expect((await sshRun(labConnectConfig(lab, 'lab-2'), 'hostname')).stdout.trim()).toBe('lab-2');
  });

  it('reboot kills every process and loses /tmp and guest cgroups, keeps /vservers, and sshd returns with the same host key', async () => {
    const keyBefore = await hostKeySeen(lab, 'lab-3');
    await sshRun(labConnectConfig(lab, 'lab-3'), [
      'echo kept > /vservers/survives-reboot',
      'echo lost > /tmp/lost-at-reboot',
      'mkdir /sys/fs/cgroup/pids/guest-before-reboot',
      'setsid sleep 4712 > /dev/null 2>&1 < /dev/null &',
    ].join('; '));
    const initBefore = lab.host('lab-3').initPid;
    const sleeperBefore = execFileSync('pgrep', ['-f', '^sleep 4712']).toString().trim();
    expect(sleeperBefore).not.toBe('');

    await lab.reboot('lab-3');

    expect(lab.host('lab-3').state).toBe('up');
    expect(lab.host('lab-3').initPid).not.toBe(initBefore);
    expect(existsSync(`/proc/${initBefore}`)).toBe(false);
    expect(existsSync(`/proc/${sleeperBefore}`)).toBe(false);
    const after = await sshRun(labConnectConfig(lab, 'lab-3'), 'hostname; cat /vservers/survives-reboot; ls -A /tmp; ls /sys/fs/cgroup/pids; ps -eo args');
    expect(after.stdout).toContain('lab-3\nkept\n');
    expect(after.stdout).not.toContain('lost-at-reboot');
    expect(after.stdout).not.toContain('guest-before-reboot');
    expect(after.stdout).not.toContain('sleep 4712');
    expect((await hostKeySeen(lab, 'lab-3')).equals(keyBefore)).toBe(true);
  });

  it('rekey gives a host a new key that the lab known_hosts no longer accepts', async () => {
    const keyBefore = await hostKeySeen(lab, 'lab-3');
    await lab.rekey('lab-3');
    expect((await hostKeySeen(lab, 'lab-3')).equals(keyBefore)).toBe(false);
    await expect(sshRun(labConnectConfig(lab, 'lab-3'), 'hostname')).rejects.toThrow(/verification failed/i);
  });

  it('up refuses, changing nothing, when the subnet is in use or the lab is already up', async () => {
    const clash = { name: 'labtest-clash', dir: '/var/lib/vfleet-lab/labtest-clash' };
    await expect(labUp({ ...clash, hosts: 1, subnet })).rejects.toThrow(/subnet 10\.213\.101\.0\/24 is already in use/);
    expect(leftoversOf(clash.name, clash.dir)).toEqual([]);
    await expect(labUp({ name: labName, hosts: 1, subnet: '10.213.102.0/24' })).rejects.toThrow(/already up/);
    expect((await lab.status()).hosts.every((host) => host.state === 'up')).toBe(true);
  });

  it('up refuses, changing nothing, when not run as root', () => {
    const nonRoot = { name: 'labtest-nonroot', dir: '/var/lib/vfleet-lab/labtest-nonroot' };
    const cli = spawnSync('setpriv', [
      '--reuid=65534', '--regid=65534', '--clear-groups', '--',
      process.execPath, 'node_modules/tsx/dist/cli.mjs', 'test/lab/cli.ts', 'up', '--name', nonRoot.name, '--subnet', '10.213.104.0/24',
    ], { encoding: 'utf8', cwd: repositoryRoot });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain('the lab must run as root');
    expect(leftoversOf(nonRoot.name, nonRoot.dir)).toEqual([]);
  });

  it('up refuses, changing nothing, when a tool is missing, naming its Debian package', () => {
    const noSshd = { name: 'labtest-nosshd', dir: '/var/lib/vfleet-lab/labtest-nosshd' };
    // In a private mount namespace /usr/sbin/sshd is /dev/null, which nobody may execute: sshd is "not installed".
    const cli = spawnSync('unshare', [
      '--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind /dev/null /usr/sbin/sshd && exec "$@"', 'hide-sshd',
      process.execPath, 'node_modules/tsx/dist/cli.mjs', 'test/lab/cli.ts', 'up', '--name', noSshd.name, '--subnet', '10.213.105.0/24',
    ], { encoding: 'utf8', cwd: repositoryRoot });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain('sshd (Debian package openssh-server)');
    expect(cli.stderr).toContain('apt-get install openssh-server');
    expect(leftoversOf(noSshd.name, noSshd.dir)).toEqual([]);
  });

  it('down removes every namespace, process, mount, link, cgroup and file of the lab', async () => {
    await lab.down();
    expect(leftoversOf(labName, lab.dir)).toEqual([]);
    await labDown({ name: labName });
    expect(leftoversOf(labName, lab.dir)).toEqual([]);
  });
});

describe('lab down after a lost state file', () => {
  const name = 'labtest-lost';
  const dir = '/var/lib/vfleet-lab/labtest-lost';

  afterAll(async () => {
    await labDown({ name, dir });
  });

  it('finds the hosts by the lab name and removes them all', async () => {
    await labUp({ name, hosts: 2, subnet: '10.213.103.0/24', dir });
    rmSync(join(dir, 'lab.json'));
    await labDown({ name, dir });
    expect(leftoversOf(name, dir)).toEqual([]);
  });
});
