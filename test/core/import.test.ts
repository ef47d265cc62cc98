// Imports: a workstation's ~/.ssh/config (Include with globs, wildcard-only entries, aliases,
// ProxyJump, a Match exec that must never run) and Ansible INI and YAML inventories, previewed
// against the registry and then applied.
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImportCandidate } from '../../shared/api/hosts';
import { HostRegistry } from '../../electron/core/hosts/hostRegistry';
import { applyImport, previewAnsibleImport, previewSshConfigImport } from '../../electron/core/import/hostImport';
import { expandHostPattern } from '../../electron/core/import/ansible/hostRanges';
import { MemorySecretStore } from '../../electron/core/secrets/memorySecretStore';

const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures');
const scratch = await mkdtemp(join(tmpdir(), 'vfleet-import-'));
const home = join(scratch, 'home');
const marker = join(scratch, 'match-exec-ran');
afterAll(() => rm(scratch, { recursive: true, force: true }));

beforeAll(async () => {
  await cp(join(FIXTURES, 'ssh_config', 'dot-ssh'), join(home, '.ssh'), { recursive: true });
  // Written here because the command names a path of this run; the test proves it never runs.
  await writeFile(
    join(home, '.ssh', 'config.d', '20-match.conf'),
    `Match exec "touch ${marker}"\n    User hijacked\n\nHost after-match\n    HostName 10.70.0.1\n`,
  );
});

let registry: HostRegistry;
beforeEach(async () => {
  const directory = await mkdtemp(join(scratch, 'registry-'));
  registry = await HostRegistry.openFile(join(directory, 'hosts.json'), new MemorySecretStore());
});

function byName(candidates: ImportCandidate[]): Record<string, ImportCandidate['host']> {
  return Object.fromEntries(candidates.map((candidate) => [candidate.host.name, candidate.host]));
}

describe('ssh_config import', () => {
  const options = { home, localUser: 'localadmin' };

  it('finds every concrete Host with what ssh would use, following Include globs and paths', async () => {
    const preview = await previewSshConfigImport(registry, join(home, '.ssh', 'config'), options);
    const hosts = byName(preview.toAdd);
    expect(Object.keys(hosts).sort()).toEqual(['after-match', 'bastion', 'db-primary', 'deep', 'lab-a', 'lab-b', 'legacy', 'web1', 'web2']);
    expect(hosts.web1).toEqual({ name: 'web1', address: '10.20.0.11', port: 22, user: 'admin', auth: { kind: 'agent' }, tags: [], sudo: true });
    expect(hosts.web2).toMatchObject({
      address: '10.20.0.12',
      port: 2222,
      user: 'admin',
      auth: { kind: 'keyFile', keyPath: join(home, '.ssh', 'id_web'), hasPassphrase: false },
    });
    expect(hosts['lab-a']).toMatchObject({ address: '10.213.4.2', user: 'root' });
    expect(hosts['lab-b']).toMatchObject({ auth: { kind: 'keyFile', keyPath: join(home, '.ssh', 'lab_key') } });
    expect(hosts.bastion).toMatchObject({ address: 'bastion.example.org', port: 2200, user: 'jump' });
    expect(hosts['db-primary']).toMatchObject({ address: 'db1.internal', user: 'admin', jump: 'bastion' });
    expect(hosts.deep).toMatchObject({ jump: 'db-primary' });
    expect(preview.toAdd.find((candidate) => candidate.host.name === 'lab-a')?.origin).toBe(join(home, '.ssh', 'config.d', '10-lab.conf'));
    expect(preview.toAdd.find((candidate) => candidate.host.name === 'bastion')?.origin).toBe(join(home, '.ssh', 'extra', 'bastions'));
  });

  it('skips wildcard-only entries and second aliases of one host, and warns about what it ignored', async () => {
    const preview = await previewSshConfigImport(registry, join(home, '.ssh', 'config'), options);
    expect(preview.skipped.map(({ entry, reason }) => `${entry}: ${reason}`).sort()).toEqual([
      'Host *.internal !legacy.internal: wildcard-only entries are defaults, not hosts',
      'Host *: wildcard-only entries are defaults, not hosts',
      `Host web1.example.org: the same host as web1 (${join(home, '.ssh', 'config')})`,
    ]);
    expect(preview.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/20-match\.conf: "Match exec touch .*" block ignored/),
        'legacy: ProxyCommand is not supported and was ignored; use ProxyJump',
        'deep: ProxyJump bastion,db-primary has several hops; vfleet uses db-primary and that host\'s own jump host',
      ]),
    );
    expect(Object.keys(byName(preview.toAdd))).not.toContain('not-included');
  });

  it('never executes a Match exec command', async () => {
    await previewSshConfigImport(registry, join(home, '.ssh', 'config'), options);
    await expect(stat(marker)).rejects.toMatchObject({ code: 'ENOENT' });
    const preview = await previewSshConfigImport(registry, join(home, '.ssh', 'config'), options);
    expect(Object.values(byName(preview.toAdd)).map((host) => host.user)).not.toContain('hijacked');
  });

  it('shows hosts that already exist by name or by address and port, and adds only the new ones', async () => {
    await registry.add({ name: 'web2', address: '10.99.0.1' });
    await registry.add({ name: 'old-lab', address: '10.213.4.2' });
    const preview = await previewSshConfigImport(registry, join(home, '.ssh', 'config'), options);
    expect(preview.existing.map(({ host, existingName, reason }) => `${host.name} -> ${existingName} (${reason})`).sort()).toEqual([
      'lab-a -> old-lab (same address and port)',
      'web2 -> web2 (same name)',
    ]);
    expect(registry.list()).toHaveLength(2);

    const result = await applyImport(registry, preview);
    expect(result.added.sort()).toEqual(['after-match', 'bastion', 'db-primary', 'deep', 'lab-b', 'legacy', 'web1']);
    expect(result.notAdded).toEqual([]);
    expect(registry.require('web2').address).toBe('10.99.0.1');
    expect(registry.jumpRoute('deep').map((hop) => (hop.kind === 'registry' ? hop.host.name : hop.address))).toEqual(['bastion', 'db-primary']);

    const again = await previewSshConfigImport(registry, join(home, '.ssh', 'config'), options);
    expect(again.toAdd).toEqual([]);
  });

  it('reports a host that appeared between preview and apply instead of adding a twin', async () => {
    const preview = await previewSshConfigImport(registry, join(home, '.ssh', 'config'), options);
    await registry.add({ name: 'bastion-too', address: 'bastion.example.org', port: 2200 });
    const result = await applyImport(registry, preview);
    expect(result.notAdded).toEqual([{ name: 'bastion', reason: 'bastion.example.org:2200 is already in the registry as bastion-too' }]);
  });
});

describe('Ansible inventory import', () => {
  const options = { home, localUser: 'localadmin' };

  it('expands host ranges like Ansible, keeping leading zeros', () => {
    expect(expandHostPattern('web[01:03].example.org')).toEqual(['web01.example.org', 'web02.example.org', 'web03.example.org']);
    expect(expandHostPattern('db-[a:c]')).toEqual(['db-a', 'db-b', 'db-c']);
    expect(expandHostPattern('n[0:6:3]')).toEqual(['n0', 'n3', 'n6']);
    expect(expandHostPattern('plain')).toEqual(['plain']);
  });

  it('reads an INI inventory: vars by precedence, host:port, ranges, and nested groups as tags', async () => {
    const preview = await previewAnsibleImport(registry, join(FIXTURES, 'ansible', 'inventory.ini'), options);
    expect(preview.source.kind).toBe('ansible_ini');
    expect(preview.skipped).toEqual([]);
    const hosts = byName(preview.toAdd);
    expect(Object.keys(hosts).sort()).toEqual([
      'db1',
      'db2',
      'mail.example.org',
      'web-legacy.example.org',
      'web01.example.org',
      'web02.example.org',
      'web03.example.org',
    ]);
    expect(hosts['mail.example.org']).toEqual({
      name: 'mail.example.org',
      address: '192.0.2.10',
      port: 22,
      user: 'admin',
      auth: { kind: 'agent' },
      tags: [],
      sudo: true,
    });
    expect(hosts['web02.example.org']).toMatchObject({ address: 'web02.example.org', user: 'deploy', tags: ['eu', 'production', 'webservers'] });
    expect(hosts['web-legacy.example.org']).toMatchObject({
      port: 2201,
      user: 'admin',
      auth: { kind: 'keyFile', keyPath: join(home, '.ssh', 'legacy_key'), hasPassphrase: false },
    });
    expect(hosts.db1).toMatchObject({ address: '10.40.0.11', port: 2222, user: 'dbadmin', sudo: true, tags: ['dbservers', 'eu', 'production'] });
    // Without ansible_become a user other than root still goes through sudo: the agent needs root.
    expect(hosts.db2).toMatchObject({ address: '10.40.0.12', user: 'postgres', sudo: true });
  });

  it('reads a YAML inventory: all/children/hosts/vars, a group described twice, child vars over parent vars', async () => {
    const preview = await previewAnsibleImport(registry, join(FIXTURES, 'ansible', 'inventory.yml'), options);
    expect(preview.source.kind).toBe('ansible_yaml');
    const hosts = byName(preview.toAdd);
    expect(Object.keys(hosts).sort()).toEqual(['grafana', 'mail.example.org', 'vs-special.example.org', 'vs1.example.org', 'vs2.example.org', 'vs3.example.org']);
    const vserverKey = { kind: 'keyFile', keyPath: '/etc/vfleet/keys/vservers', hasPassphrase: false };
    expect(hosts['vs1.example.org']).toEqual({
      name: 'vs1.example.org',
      address: 'vs1.example.org',
      port: 2200,
      user: 'admin',
      auth: vserverKey,
      tags: ['monitoring', 'rack1', 'vservers'],
      sudo: true,
    });
    expect(hosts['vs-special.example.org']).toMatchObject({ port: 2299, user: 'root', tags: ['rack1', 'vservers'] });
    expect(hosts['vs3.example.org']).toMatchObject({ address: '10.50.0.3', port: 2200, user: 'rackadmin', auth: vserverKey, tags: ['rack2', 'vservers'] });
    expect(hosts.grafana).toMatchObject({ address: '10.60.0.1', user: 'admin', sudo: true, tags: ['monitoring'] });
    expect(hosts['mail.example.org']).toMatchObject({ address: '192.0.2.10', tags: [] });
  });

  it('applies an inventory into the registry with groups as tags, and a damaged inventory names the line', async () => {
    const preview = await previewAnsibleImport(registry, join(FIXTURES, 'ansible', 'inventory.yml'), options);
    const result = await applyImport(registry, preview);
    expect(result.added).toHaveLength(6);
    expect(registry.require('vs1.example.org').tags).toEqual(['monitoring', 'rack1', 'vservers']);

    const broken = join(scratch, 'broken.ini');
    await mkdir(scratch, { recursive: true });
    await writeFile(broken, '[web]\nhost1 ansible_port\n');
    await expect(previewAnsibleImport(registry, broken, options)).rejects.toThrow(
      `The Ansible inventory ${broken} cannot be read: ${broken}:2: "ansible_port" is not key=value`,
    );
  });
});
