// The fleet-wide checks of a new guest on a 3-host lab (`onboard`, 10.213.146.0/24), through the
// app API and the vfleet CLI: an address another guest or a host holds is refused naming the
// holder, a context id or name taken on the same host is refused, on another host it is a warning
// that only force overrides (and the result and the audit log carry it); the suggested context id
// is free fleet-wide. Before a start, the agent probes the guest's address on the lab network and
// refuses when another machine answers, naming its MAC, whether it holds the address itself or
// answers for a running guest by proxy ARP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestConfig } from '../../shared/domain/guest';
import { parseIpAddrJson } from '../../host-agent/src/drivers/namespaces/network/uplink';
import { addressProbes } from '../../host-agent/src/host/duplicateAddress';
import { mkdtempSync, rmSync } from 'node:fs';
import { labDown, labUp, type Lab } from '../lab/lab';
import { waitUntil } from '../lab/system/processTable';
import { slowTemplate, truncatedTarball } from '../support/slowTemplate';
import { closeCoreAndLab, onboardLabHosts, startCore, waitFor, type CoreHandle } from './support/coreOnLab';
import { REPOSITORY_ROOT, runVfleet, type CliResult } from './support/vfleetCommand';

const LAB = { name: 'onboard', subnet: '10.213.146.0/24', hosts: 3 };
const WEB_IP = '10.213.146.101';

let lab: Lab;
let handle: CoreHandle | undefined;

const core = (): CoreHandle['core'] => {
  if (!handle) throw new Error('no core');
  return handle.core;
};

/** The message of the call's error; fails the test when the call succeeds. */
async function refusal(call: Promise<unknown>): Promise<string> {
  return call.then((value) => {
    throw new Error(`expected a refusal, got ${JSON.stringify(value)}`);
  }, (error: unknown) => (error as Error).message);
}

async function configExists(host: string, guest: string): Promise<boolean> {
  return (await lab.exec(host, ['test', '-e', `/etc/vservers/${guest}`])).code === 0;
}

async function macOf(host: string): Promise<string> {
  return (await lab.exec(host, ['cat', '/sys/class/net/eth0/address'])).stdout.trim();
}

beforeAll(async () => {
  await labDown({ name: LAB.name });
  lab = await labUp(LAB);
  handle = await startCore();
  await onboardLabHosts(core(), lab);
}, 180_000);

afterAll(async () => {
  for (const host of lab?.hosts ?? []) {
    // Guests a failed test left running would keep the lab from going down cleanly.
    for (const guest of handle?.core.state.host(host.name)?.guests ?? []) {
      if (guest.state === 'running') await handle?.core.invoke('guest.stop', { host: host.name, guest: guest.name }).catch(() => undefined);
    }
  }
  await closeCoreAndLab(handle, LAB.name);
}, 120_000);

describe('fleet-wide checks before a build', () => {
  it('builds the first guest with no warnings', async () => {
    const built = await core().invoke('guest.build', { host: 'lab-1', build: { name: 'web', method: 'busybox', xid: 401, interfaces: [{ ip: WEB_IP, prefix: 24 }] } });
    expect(built).toMatchObject({ host: 'lab-1', name: 'web', xid: 401, state: 'stopped', warnings: [] });
  });

  it('refuses an address another guest holds, naming it, and makes nothing', async () => {
    const message = await refusal(core().invoke('guest.build', { host: 'lab-2', build: { name: 'other', method: 'busybox', xid: 402, interfaces: [{ ip: WEB_IP, prefix: 24 }] } }));
    expect(message).toBe(`Host lab-2, guest other: not built: address ${WEB_IP} is already configured for guest lab-1/web`);
    expect(await configExists('lab-2', 'other')).toBe(false);
  });

  it('refuses a host\'s own address, naming the host', async () => {
    const address = lab.host('lab-3').address;
    const message = await refusal(core().invoke('guest.build', { host: 'lab-1', build: { name: 'other', method: 'busybox', xid: 402, interfaces: [{ ip: address, prefix: 24 }] } }));
    expect(message).toBe(`Host lab-1, guest other: not built: address ${address} is the address of host lab-3`);
    expect(await configExists('lab-1', 'other')).toBe(false);
  });

  it('refuses a context id or a name taken on the same host', async () => {
    expect(await refusal(core().invoke('guest.build', { host: 'lab-1', build: { name: 'web2', method: 'skeleton', xid: 401 } })))
      .toBe('Host lab-1, guest web2: not built: context id 401 is already used by guest lab-1/web on the same host');
    expect(await refusal(core().invoke('guest.build', { host: 'lab-1', build: { name: 'web', method: 'skeleton', xid: 499 }, force: true })))
      .toBe('Host lab-1, guest web: not built: a guest named web already exists on host lab-1');
    expect(await configExists('lab-1', 'web2')).toBe(false);
  });

  it('warns of a context id or name used on another host, and builds only with force, returning the warnings and auditing the force', async () => {
    const request = { host: 'lab-2', build: { name: 'web', method: 'skeleton' as const, xid: 401 } };
    const message = await refusal(core().invoke('guest.build', request));
    expect(message).toBe('Host lab-2, guest web: not built: context id 401 is also used by guest lab-1/web; the new guest could not run on lab-1 (e.g. moved there) without a new id; '
      + 'a guest named web also exists on host lab-1; build anyway with force (vfleet guest build --force)');
    expect(await configExists('lab-2', 'web')).toBe(false);

    const built = await core().invoke('guest.build', { ...request, force: true });
    expect(built).toMatchObject({ host: 'lab-2', name: 'web', xid: 401, state: 'stopped' });
    expect(built.warnings.map((warning) => [warning.kind, warning.value, warning.holder])).toEqual([
      ['xid', '401', { host: 'lab-1', guest: 'web' }],
      ['name', 'web', { host: 'lab-1', guest: 'web' }],
    ]);
    const audit = await core().invoke('audit.query', { host: 'lab-2', guest: 'web', action: 'guest.build' });
    expect(audit.map((entry) => [entry.result, entry.params.force])).toEqual([['error', undefined], ['ok', true]]);
  });

  it('checks without building: refusals, warnings and a context id free on every host', async () => {
    const check = await core().invoke('guest.buildCheck', { host: 'lab-3', name: 'web', xid: 401, interfaces: [{ ip: WEB_IP, prefix: 24 }] });
    expect(check.refusals.map((conflict) => conflict.message)).toEqual([`address ${WEB_IP} is already configured for guest lab-1/web`]);
    expect(check.warnings.map((conflict) => `${conflict.kind} ${conflict.holder.host}/${conflict.holder.guest}`)).toEqual([
      'xid lab-1/web', 'name lab-1/web', 'xid lab-2/web', 'name lab-2/web',
    ]);
    expect(check.notChecked).toEqual([]);
    // Take the suggestion on one host: the next one moves on, and is free everywhere.
    const first = check.suggestedXid;
    await core().invoke('guest.build', { host: 'lab-3', build: { name: 'first', method: 'skeleton', xid: first } });
    const next = (await core().invoke('guest.buildCheck', { host: 'lab-2' })).suggestedXid;
    const used = core().snapshot().hosts.flatMap((host) => host.guests.map((guest) => guest.xid));
    expect(used).toContain(first);
    expect(used).not.toContain(next);
    const clean = await core().invoke('guest.buildCheck', { host: 'lab-2', name: 'second', xid: next });
    expect([clean.refusals, clean.warnings]).toEqual([[], []]);
    expect(await refusal(core().invoke('guest.buildCheck', { host: 'lab-9' }))).toBe('There is no host named lab-9 in the registry.');
  });

  it('compares IPv6 addresses in any spelling, and refuses an address given twice', async () => {
    await core().invoke('guest.build', { host: 'lab-1', build: { name: 'six', method: 'skeleton', xid: 405, interfaces: [{ ip: 'fd00:146::5', prefix: 64 }] } });
    const check = await core().invoke('guest.buildCheck', { host: 'lab-2', interfaces: [{ ip: 'fd00:146:0:0:0:0:0:5', prefix: 64 }] });
    expect(check.refusals.map((conflict) => conflict.message)).toEqual(['address fd00:146::5 is already configured for guest lab-1/six']);
    const twice = await core().invoke('guest.buildCheck', { host: 'lab-2', interfaces: [{ ip: '10.213.146.140', prefix: 24 }, { ip: '10.213.146.140', prefix: 24 }] });
    expect(twice.refusals.map((conflict) => conflict.message)).toEqual(['address 10.213.146.140 is given twice']);
  });

  it('counts a build under way: its address, name and id are taken until it ends', async () => {
    const partDir = mkdtempSync('/var/tmp/vfleet-conflicts-test-');
    const feed = await slowTemplate(lab, 'lab-1', '/tmp/pending.tar', truncatedTarball(), partDir);
    try {
      const controller = new AbortController();
      const pendingIp = '10.213.146.144';
      const first = core().invoke('guest.build', {
        host: 'lab-1', build: { name: 'pending', method: 'template', source: feed.path, xid: 440, interfaces: [{ ip: pendingIp, prefix: 24 }] },
      }, controller.signal).then(() => undefined, (error: unknown) => error as Error);
      const halfWay = await waitUntil(async () => (await lab.exec('lab-1', ['sh', '-c', 'cat /vservers/.vfleet-build-*-pending/etc/first 2>/dev/null'])).stdout !== '', 30_000, 50);
      expect(halfWay).toBe(true);
      expect(await refusal(core().invoke('guest.build', { host: 'lab-2', build: { name: 'rival', method: 'skeleton', xid: 441, interfaces: [{ ip: pendingIp, prefix: 24 }] } })))
        .toBe(`Host lab-2, guest rival: not built: address ${pendingIp} is already configured for guest lab-1/pending (being built)`);
      const check = await core().invoke('guest.buildCheck', { host: 'lab-1', name: 'pending', xid: 440 });
      expect(check.refusals.map((conflict) => conflict.message)).toEqual(['a guest named pending is being built on host lab-1']);
      expect((await core().invoke('guest.buildCheck', { host: 'lab-3', xid: 440 })).warnings.map((conflict) => conflict.message))
        .toEqual(['context id 440 is also used by guest lab-1/pending (being built); the new guest could not run on lab-1 (e.g. moved there) without a new id']);
      controller.abort();
      expect((await first)?.message).toBe('Host lab-1, guest pending: the build was interrupted; nothing was left behind');
      const after = await core().invoke('guest.buildCheck', { host: 'lab-2', name: 'rival', xid: 440, interfaces: [{ ip: pendingIp, prefix: 24 }] });
      expect([after.refusals, after.warnings]).toEqual([[], []]);
    } finally {
      await feed.end();
      rmSync(partDir, { recursive: true, force: true });
    }
  });

  it('the CLI gets the same refusals and warnings, and prints what --force went past', async () => {
    const vfleet = (...argv: string[]): Promise<CliResult> =>
      runVfleet(['--connect-timeout', '60', ...argv], { cwd: REPOSITORY_ROOT, env: { ...process.env, VFLEET_CONFIG_DIR: handle!.dataDir } });
    const taken = await vfleet('guest', 'build', 'lab-3', 'cli1', '--xid', '450', '--interface', `${WEB_IP}/24`);
    expect([taken.code, taken.stderr]).toEqual([1, `vfleet: Host lab-3, guest cli1: not built: address ${WEB_IP} is already configured for guest lab-1/web\n`]);
    const warned = await vfleet('guest', 'build', 'lab-3', 'cli1', '--xid', '401');
    expect(warned.code).toBe(1);
    expect(warned.stderr).toContain('context id 401 is also used by guest lab-1/web');
    expect(warned.stderr).toContain('build anyway with force (vfleet guest build --force)');
    const forced = await vfleet('guest', 'build', 'lab-3', 'cli1', '--xid', '401', '--force');
    expect([forced.code, forced.stdout]).toEqual([0, 'lab-3/cli1: stopped (xid 401)\n']);
    expect(forced.stderr).toBe('vfleet: warning (forced): context id 401 is also used by guest lab-1/web; the new guest could not run on lab-1 (e.g. moved there) without a new id\n'
      + 'vfleet: warning (forced): context id 401 is also used by guest lab-2/web; the new guest could not run on lab-2 (e.g. moved there) without a new id\n');
  });
});

describe('duplicate-address detection before a start', () => {
  it('refuses to start a guest whose address another machine on the network holds, naming its MAC', async () => {
    const stray = '10.213.146.77';
    // lab-3 takes an address the fleet knows nothing of, as an unmanaged server would.
    await lab.exec('lab-3', ['ip', 'addr', 'add', `${stray}/24`, 'dev', 'eth0']);
    await core().invoke('guest.build', { host: 'lab-1', build: { name: 'dad', method: 'busybox', xid: 410, interfaces: [{ ip: stray, prefix: 24 }] } });
    const message = await refusal(core().invoke('guest.start', { host: 'lab-1', guest: 'dad' }));
    expect(message).toBe(`Host lab-1, guest dad: not started: address ${stray} is already in use on the network: ${await macOf('lab-3')} answered on eth0`);
    expect(core().state.guest('lab-1', 'dad')?.state).toBe('stopped');
    expect((await lab.exec('lab-1', ['ip', 'netns', 'list'])).stdout).toBe('');

    // Once the address is free, the same guest starts.
    await lab.exec('lab-3', ['ip', 'addr', 'del', `${stray}/24`, 'dev', 'eth0']);
    expect((await core().invoke('guest.start', { host: 'lab-1', guest: 'dad' })).state).toBe('running');
    await core().invoke('guest.stop', { host: 'lab-1', guest: 'dad' });
  });

  it('probes each address where it would live: from the host\'s own address, by DAD without one, never unroutable or IPv6 ones', async () => {
    const addresses = parseIpAddrJson((await lab.exec('lab-1', ['ip', '-j', 'addr', 'show'])).stdout);
    const config = (interfaces: GuestConfig['interfaces']): GuestConfig => ({
      name: 'probe', xid: 430, nodename: 'probe', domainname: '', interfaces, initStyle: 'plain', mark: '',
      bcapabilities: [], ccapabilities: [], cflags: [], limits: {}, rootDir: '/vservers/probe',
    });
    expect(addressProbes(config([
      { id: '0', ip: '10.213.146.60', prefix: 24, dev: '' },
      { id: '1', ip: '192.0.2.7', prefix: 24, dev: 'eth0' },
      { id: '2', ip: '198.51.100.9', prefix: 24, dev: '' },
      { id: '3', ip: 'fd00:146::9', prefix: 64, dev: '' },
    ]), addresses)).toEqual([
      { ip: '10.213.146.60', device: 'eth0', source: lab.host('lab-1').address },
      { ip: '192.0.2.7', device: 'eth0' },
    ]);
    expect(addressProbes(config([]), addresses)).toEqual([]);
  });

  it('refuses to start a guest with an address on a host without arping, saying what to install', async () => {
    // Hidden in lab-2's own mount namespace (private propagation: nothing outside the lab host sees it).
    expect((await lab.exec('lab-2', ['findmnt', '-no', 'PROPAGATION', '/'])).stdout.trim()).toBe('private');
    expect((await lab.exec('lab-2', ['mount', '--bind', '/dev/null', '/usr/bin/arping'])).code).toBe(0);
    try {
      await core().invoke('guest.build', { host: 'lab-2', build: { name: 'noprobe', method: 'busybox', xid: 431, interfaces: [{ ip: '10.213.146.131', prefix: 24 }] } });
      expect(await refusal(core().invoke('guest.start', { host: 'lab-2', guest: 'noprobe' }))).toBe('Host lab-2, guest noprobe: cannot check that its address 10.213.146.131 is free on the network: '
        + 'arping is not installed on this host (Debian package iputils-arping); install it to start guests with addresses');
      expect(core().state.guest('lab-2', 'noprobe')?.state).toBe('stopped');
    } finally {
      await lab.exec('lab-2', ['umount', '/usr/bin/arping']);
    }
    await core().invoke('guest.delete', { host: 'lab-2', guest: 'noprobe' });
  });

  it('refuses a guest whose address a running guest on another host has, by the core and by the agent\'s probe (proxy ARP)', async () => {
    expect((await core().invoke('guest.start', { host: 'lab-1', guest: 'web' })).state).toBe('running');
    // A guest made on lab-2 by hand, past the fleet's checks, with the running guest's address.
    const agentFile = core().state.host('lab-2')?.agent?.file;
    if (!agentFile) throw new Error('no agent on lab-2');
    const byHand = await lab.exec('lab-2', [process.execPath, agentFile, 'build', 'twin', '-m', 'busybox', '--xid', '420', '--interface', `${WEB_IP}/24`]);
    expect(byHand.stderr).toBe('');
    await waitFor('lab-2/twin with its configuration in the fleet state', () => core().state.guest('lab-2', 'twin')?.config, 30_000);

    expect(await refusal(core().invoke('guest.start', { host: 'lab-2', guest: 'twin' })))
      .toBe(`Host lab-2, guest twin: not started: address ${WEB_IP} is already configured for guest lab-1/web, which is running`);
    // The agent on its own probes the network: lab-1 answers for its guest's address.
    const probed = await lab.exec('lab-2', [process.execPath, agentFile, 'start', 'twin']);
    expect([probed.code, probed.stderr.trim()]).toEqual([1, `vfleet-agent: guest 'twin' on host lab-2: not started: address ${WEB_IP} is already in use on the network: ${await macOf('lab-1')} answered on eth0`]);
    expect((await lab.exec('lab-2', [process.execPath, agentFile, 'status', 'twin'])).code).toBe(3);

    await core().invoke('guest.stop', { host: 'lab-1', guest: 'web' });
    await core().invoke('guest.delete', { host: 'lab-2', guest: 'twin' });
  });
});
