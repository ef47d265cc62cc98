// A guest's root attacks the host through the agent, on a real lab host: tools planted under every
// directory of PATH (wrappers that try what only host root may, then run the real applet) followed
// by every lifecycle action; symlinks at the paths start and delete touch; a hostile environment
// for exec and for the agent itself; a flood on /dev/console. Each test asserts what a privileged
// process would have left: no marker, no device node, no mount, host canaries unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type Lab } from '../lab/lab';
import { TestRpcClient } from './support/agentRpcClient';
import { agentOnHost, type AgentOnHost } from './support/namespacesAgent';

const LAB = 'sealed';
const SUBNET = '10.213.130.0/24';
const HOST = 'lab-1';
const GUEST = { name: 'hostile', xid: 3101, ip: '10.213.130.101' };
const PATH_DIRECTORIES = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** Every tool the launcher, exec, enter and stop run, and the guest's own shell. */
const PLANTED_TOOLS = [
  'umount', 'mount', 'pivot_root', 'nsenter', 'unshare', 'setpriv', 'script', 'stty', 'sh', 'timeout', 'mkfifo', 'rm', 'mkdir',
  'mknod', 'ln', 'touch', 'cat', 'sleep', 'fold', 'stdbuf', 'mv', 'ip', 'chroot', 'env', 'kill',
];
/** A host directory and file the attacks aim at; their state is compared before and after. */
const CANARY_DIR = '/var/lib/vfleet/canary-dir';
const CANARY_FILE = '/var/lib/vfleet/canary-dir/file';

let lab: Lab;
let agent: AgentOnHost;
let canaryBefore = '';

async function onHost(script: string): Promise<string> {
  const result = await lab.exec(HOST, ['/bin/sh', '-c', script], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`'${script}' on ${HOST} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

async function agentOk(args: string[], input?: string): Promise<string> {
  const result = await agent.run(args, input);
  if (result.code !== 0) throw new Error(`agent ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** The wrapper: tries a block device node and a tmpfs mount (refused to the guest's bounding set), logs, then runs the real applet. */
const WRAPPER = `#!/bin/busybox sh
/bin/busybox mknod /planted-node-$$ b 7 0 2>/dev/null && echo "mknod $0" >> /planted.log
/bin/busybox mkdir -p /planted-mnt 2>/dev/null
/bin/busybox mount -t tmpfs planted /planted-mnt 2>/dev/null && { echo "mount $0" >> /planted.log; /bin/busybox umount /planted-mnt; }
echo "ran $0" >> /planted.log
exec /bin/busybox "\${0##*/}" "$@"
`;

/** Canary state: content, mode, owner of the file and the directory, and what the directory holds. */
function canaryState(): Promise<string> {
  return onHost(`stat -c '%n %a %u:%g %s' ${CANARY_DIR} ${CANARY_FILE}; md5sum ${CANARY_FILE}; ls -A ${CANARY_DIR}`);
}

/** Everything a privileged run of a planted tool would leave, in the guest's root or the host's. */
async function privilegedTraces(): Promise<string[]> {
  const root = `/vservers/${GUEST.name}`;
  const traces = await onHost(`
    grep -h -E '^(mknod|mount) ' ${root}/planted.log /planted.log 2>/dev/null
    ls -d ${root}/planted-node-* /planted-node-* 2>/dev/null
    grep -h planted /proc/self/mountinfo
    true`);
  return traces.split('\n').filter(Boolean);
}

async function expectSealed(): Promise<void> {
  expect(await privilegedTraces()).toEqual([]);
  expect(await canaryState()).toBe(canaryBefore);
}

beforeAll(async () => {
  await labDown({ name: LAB });
  lab = await labUp({ name: LAB, hosts: 1, subnet: SUBNET });
  agent = await agentOnHost(lab, HOST);
  await agentOk(['build', GUEST.name, '-m', 'busybox', '--context', String(GUEST.xid), '--hostname', GUEST.name, '--interface', `${GUEST.ip}/24`, '--initstyle', 'sysv']);
  await onHost(`mkdir -p ${CANARY_DIR} && chmod 700 ${CANARY_DIR} && echo host-secret > ${CANARY_FILE} && chmod 600 ${CANARY_FILE}`);
  canaryBefore = await canaryState();
}, 180_000);

afterAll(async () => {
  if (agent) {
    await agent.run(['stop', GUEST.name]).catch(() => undefined);
    agent.remove();
  }
  await labDown({ name: LAB });
}, 180_000);

describe('tools planted under every directory of the guest\'s PATH', () => {
  beforeAll(async () => {
    const root = `/vservers/${GUEST.name}`;
    const plant = PATH_DIRECTORIES.flatMap((directory) => PLANTED_TOOLS.map((tool) => `${root}${directory}/${tool}`));
    await onHost(`mkdir -p ${PATH_DIRECTORIES.map((directory) => root + directory).join(' ')}
      cat > /var/tmp/vfleet-planted-wrapper <<'EOF'
${WRAPPER}EOF
      for file in ${plant.join(' ')}; do rm -f "$file"; cp /var/tmp/vfleet-planted-wrapper "$file"; chmod 755 "$file"; done
      rm /var/tmp/vfleet-planted-wrapper`);
  });

  it('are never run with more than the guest\'s privileges by start, exec, enter, limit, uname, stop and restart', async () => {
    await agentOk(['start', GUEST.name]);
    await expectSealed();
    expect((await agent.inGuest(GUEST.name, 'echo inside')).stdout).toBe('inside\n');
    await expectSealed();
    expect((await agent.run(['enter', GUEST.name], 'echo entered; exit 4\n')).code).toBe(4);
    await expectSealed();
    await agentOk(['limit', GUEST.name, '--memory', '64M', '--procs', '40']);
    await agentOk(['uname', GUEST.name, '--nodename', 'renamed']);
    await expectSealed();
    await agentOk(['restart', GUEST.name]);
    await expectSealed();
    await agentOk(['stop', GUEST.name]);
    await expectSealed();
    // The wrappers did run, as the guest (its sysv rc and the exec'd shell use them): they were planted where they would be found.
    expect(await onHost(`cat /vservers/${GUEST.name}/planted.log`)).toMatch(/^ran \//m);
  });
});

describe('a hostile environment', () => {
  it('reaches the program in the guest alone, never the launcher that runs as host root', async () => {
    await agentOk(['start', GUEST.name]);
    const child = lab.spawn(HOST, [process.execPath, agent.bundle, 'serve', '--stdio']);
    const client = new TestRpcClient(child);
    try {
      const env = { LD_PRELOAD: '/nonexistent/vfleet-preload.so', LD_LIBRARY_PATH: '/nonexistent', PATH: '.::relative/bin' };
      const { session } = await client.result<{ session: string }>('exec', { name: GUEST.name, argv: ['/bin/busybox', 'sh', '-c', 'echo "$LD_PRELOAD|$PATH"'], env });
      await client.result('stdin', { session, data: '', eof: true });
      const exit = await client.waitForEvent('execExit', (line) => line.event === 'execExit' && (line.data as { session: string }).session === session);
      const output = (stream: string): string => client.events
        .filter((line) => line.event === 'execOutput' && (line.data as { session: string; stream: string }).session === session && (line.data as { stream: string }).stream === stream)
        .map((line) => Buffer.from((line.data as { data: string }).data, 'base64').toString())
        .join('');
      expect((exit.data as { code: number }).code).toBe(0);
      expect(output('stdout')).toBe('/nonexistent/vfleet-preload.so|.::relative/bin\n');
      // A host binary of the chain that honoured LD_PRELOAD would have had ld.so complain here.
      expect(output('stderr')).toBe('');
    } finally {
      child.kill();
    }
    await expectSealed();
  });

  it('of the agent itself (PATH with a planted directory and ".", loader variables) does not choose the tools it runs', async () => {
    await agentOk(['stop', GUEST.name]);
    await onHost(`mkdir -p /var/tmp/vfleet-evil && for tool in mkfifo rsync tar ip nsenter; do printf '#!/bin/sh\\necho "$0" >> /var/tmp/vfleet-evil/ran\\n' > /var/tmp/vfleet-evil/$tool; chmod 755 /var/tmp/vfleet-evil/$tool; done`);
    await onHost(`mkdir -p /var/tmp/vfleet-tpl/etc && tar -C /var/tmp/vfleet-tpl -cf /var/tmp/vfleet-tpl.tar . && rm -rf /var/tmp/vfleet-tpl`);
    const hostile = (args: string): Promise<{ code: number; stderr: string }> => lab.exec(HOST, ['/bin/sh', '-c', `cd /var/tmp/vfleet-evil && env PATH=/var/tmp/vfleet-evil:.: LD_LIBRARY_PATH=/var/tmp/vfleet-evil ${process.execPath} ${agent.bundle} ${args}`], { timeoutMs: 60_000 });
    for (const args of [`start ${GUEST.name}`, 'build fromtar -m template -t /var/tmp/vfleet-tpl.tar --context 3103']) {
      const result = await hostile(args);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    await agentOk(['delete', 'fromtar']);
    expect(await onHost('cat /var/tmp/vfleet-evil/ran 2>/dev/null; rm -rf /var/tmp/vfleet-evil /var/tmp/vfleet-tpl.tar')).toBe('');
  });
});

describe('the kernel\'s global settings', () => {
  it('are read-only to the guest\'s root (core_pattern and modprobe name programs the kernel runs as host root); its own net.* stay writable', async () => {
    await agent.run(['start', GUEST.name]);
    // Each write puts back the value read, so a failing protection changes nothing on this machine.
    const rewrite = (path: string): string => `if cat ${path} > ${path}; then echo "${path} writable"; else echo "${path} refused"; fi 2>/dev/null`;
    const knobs = ['/proc/sys/kernel/core_pattern', '/proc/sys/kernel/modprobe', '/proc/sys/vm/overcommit_memory', '/proc/sys/fs/file-max', '/proc/sys/net/ipv4/ping_group_range'];
    const result = await agent.inGuest(GUEST.name, knobs.map(rewrite).join('; '));
    expect(result.stdout.trim().split('\n')).toEqual([
      '/proc/sys/kernel/core_pattern refused', '/proc/sys/kernel/modprobe refused', '/proc/sys/vm/overcommit_memory refused', '/proc/sys/fs/file-max refused',
      '/proc/sys/net/ipv4/ping_group_range writable',
    ]);
    expect((await agent.inGuest(GUEST.name, 'wc -c < /proc/timer_list; ls -A /sys/firmware | wc -l')).stdout).toBe('0\n0\n');
    await agentOk(['stop', GUEST.name]);
  });
});

describe('device nodes in the guest\'s tree', () => {
  it('open nothing: only the launcher\'s own /dev is a device filesystem', async () => {
    await onHost(`mknod /vservers/${GUEST.name}/root/null-copy c 1 3 && mknod /vservers/${GUEST.name}/root/loop-copy b 7 0`);
    await agent.run(['start', GUEST.name]);
    const result = await agent.inGuest(GUEST.name, 'for node in /root/null-copy /root/loop-copy; do if (echo -n > $node); then echo "$node opened"; else echo "$node refused"; fi 2>/dev/null; done; (echo -n > /dev/null) && echo "/dev/null opened"');
    expect(result.stdout.trim().split('\n')).toEqual(['/root/null-copy refused', '/root/loop-copy refused', '/dev/null opened']);
    await agentOk(['stop', GUEST.name]);
    await onHost(`rm /vservers/${GUEST.name}/root/null-copy /vservers/${GUEST.name}/root/loop-copy`);
  });
});

describe('the guest\'s console', () => {
  it('stays bounded on the host when the guest floods /dev/console, with and without newlines', async () => {
    await agent.run(['start', GUEST.name]);
    const flood = 'i=0; while [ $i -lt 4 ]; do busybox yes a-console-line-of-the-hostile-guest | busybox head -c 300000 > /dev/console; i=$((i + 1)); done; '
      + 'busybox head -c 600000 /dev/zero | busybox tr "\\000" x > /dev/console; printf "\\nflood-done\\n" > /dev/console';
    expect((await agent.inGuest(GUEST.name, flood)).code).toBe(0);
    const log = `/etc/vservers/${GUEST.name}/vfleet/console.log`;
    // The copier writes asynchronously: wait for the last line.
    for (let tries = 0; tries < 100 && !(await onHost(`tail -c 200 ${log}`)).includes('flood-done'); tries += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    const sizes = (await onHost(`stat -c %s ${log} ${log}.1`)).trim().split('\n').map(Number);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(256 * 1024 + 4097);
    expect(await onHost(`tail -n 1 ${log}`)).toBe('flood-done\n');
    // A line without newlines arrives in pieces of at most 4 KiB.
    const longest = Number(await onHost(`awk '{ if (length($0) > max) max = length($0) } END { print max }' ${log} ${log}.1`));
    expect(longest).toBe(4096);
    expect((await agent.inGuest(GUEST.name, 'echo still-running')).stdout).toBe('still-running\n');
    await agentOk(['stop', GUEST.name]);
    expect(await onHost('ps -eo args | grep -c "[f]old -b -w 4096" || true')).toBe('0\n');
  });
});

describe('symlinks and swapped directories in the guest\'s tree', () => {
  beforeAll(async () => {
    await agent.run(['stop', GUEST.name]);
  });

  it.each(['proc', 'sys', 'dev', 'tmp'])('refuses to start with /%s a symlink to a host directory, naming it, and leaves the host as it was', async (point) => {
    const path = `/vservers/${GUEST.name}/${point}`;
    await onHost(`mv ${path} ${path}.real && ln -s ${CANARY_DIR} ${path}`);
    try {
      const result = await agent.run(['start', GUEST.name]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`${path} is a symbolic link`);
      expect((await agent.json<{ state: string }>(['status', GUEST.name]).catch(() => ({ state: 'stopped' }))).state).toBe('stopped');
    } finally {
      await onHost(`rm ${path} && mv ${path}.real ${path}`);
    }
    await expectSealed();
  });

  it('deletes a guest whose root links to host files and directories without touching them', async () => {
    await agentOk(['build', 'doomed', '-m', 'busybox', '--context', '3102', '--hostname', 'doomed']);
    await onHost(`cd /vservers/doomed && ln -s ${CANARY_DIR} dir-link && ln -s ${CANARY_FILE} file-link && mkdir -p deep/er && ln -s / deep/er/root-link`);
    await agentOk(['delete', 'doomed']);
    expect(await onHost('ls -d /vservers/doomed /etc/vservers/doomed 2>/dev/null || true')).toBe('');
    await expectSealed();
  });
});
