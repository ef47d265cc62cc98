import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type Lab } from './lab';
import { labConnectConfig, sshRun } from './labSsh';
import { findLabLeftovers, hasLeftovers } from './labTeardown';
import { partitionTableName } from './network/labPartition';

const labName = 'relaylab';
const subnet = '10.213.156.0/24';

function tableExists(name: string): boolean {
  return spawnSync('nft', ['list', 'table', 'bridge', partitionTableName(name)]).status === 0;
}

describe('the partition fault', () => {
  let lab: Lab;

  beforeAll(async () => {
    await labDown({ name: labName });
    lab = await labUp({ name: labName, hosts: 3, subnet });
  });

  afterAll(async () => {
    await labDown({ name: labName });
  });

  it('keeps two hosts apart (connections time out) while both reach the machine and the third host, also across a reboot; unpartition heals it', async () => {
    const reaches = async (from: string, to: string): Promise<boolean> => (await lab.exec(from, ['ping', '-c', '1', '-W', '1', to])).code === 0;
    const address = (host: string): string => lab.host(host).address;
    await lab.partition('lab-2', 'lab-1');
    try {
      expect((await lab.status()).partitions).toEqual([['lab-1', 'lab-2']]);
      // Asked again, either way round: nothing changes.
      await lab.partition('lab-1', 'lab-2');
      expect((await lab.status()).partitions).toEqual([['lab-1', 'lab-2']]);
      expect(await reaches('lab-1', address('lab-2'))).toBe(false);
      expect(await reaches('lab-2', address('lab-1'))).toBe(false);
      // Dropped, not refused: a connection times out as on a real network failure.
      const ssh = await lab.exec('lab-1', [
        'ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=2', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', `root@${address('lab-2')}`, 'true',
      ], { timeoutMs: 15_000 });
      expect(ssh.code).toBe(255);
      expect(ssh.stderr).toMatch(/timed out/);
      expect(await reaches('lab-1', lab.gateway)).toBe(true);
      expect(await reaches('lab-2', lab.gateway)).toBe(true);
      expect(await reaches('lab-1', address('lab-3'))).toBe(true);
      expect(await reaches('lab-2', address('lab-3'))).toBe(true);
      expect((await sshRun(labConnectConfig(lab, 'lab-1'), 'hostname')).stdout.trim()).toBe('lab-1');
      expect((await sshRun(labConnectConfig(lab, 'lab-2'), 'hostname')).stdout.trim()).toBe('lab-2');
      // Nothing of it lives in the host, so neither the host's root nor a reboot undoes it.
      expect((await lab.exec('lab-2', ['nft', 'list', 'tables'])).stdout.trim()).toBe('');
      await lab.exec('lab-2', ['nft', 'flush', 'ruleset']);
      expect(await reaches('lab-2', address('lab-1'))).toBe(false);
      await lab.reboot('lab-2');
      expect(await reaches('lab-2', address('lab-1'))).toBe(false);
      expect(await reaches('lab-2', address('lab-3'))).toBe(true);
      expect((await lab.status()).partitions).toEqual([['lab-1', 'lab-2']]);
    } finally {
      await lab.unpartition('lab-1', 'lab-2');
    }
    expect((await lab.status()).partitions).toEqual([]);
    expect(tableExists(labName)).toBe(false);
    expect(await reaches('lab-1', address('lab-2'))).toBe(true);
    expect(await reaches('lab-2', address('lab-1'))).toBe(true);
  });

  it('refuses a host the lab does not have, changing nothing', async () => {
    await expect(lab.partition('lab-1', 'lab-9')).rejects.toThrow(/no host named lab-9/);
    await expect(lab.partition('lab-1', 'lab-1')).rejects.toThrow(/from itself/);
    expect((await lab.status()).partitions).toEqual([]);
    expect(tableExists(labName)).toBe(false);
  });

  it('down removes a partition, also when the state file is lost', async () => {
    await lab.partition('lab-1', 'lab-3');
    expect(tableExists(labName)).toBe(true);
    rmSync(join(lab.dir, 'lab.json'));
    expect(hasLeftovers(await findLabLeftovers(labName, lab.dir))).toBe(true);
    await labDown({ name: labName });
    expect(tableExists(labName)).toBe(false);
    expect(await findLabLeftovers(labName, lab.dir)).toEqual({ pids: [], links: [], netns: [], mounts: [], cgroupRoots: [], firewall: [] });
  });
});
