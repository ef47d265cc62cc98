// The JSON file store: atomic replacement that survives a killed writer, schema checks on load, a
// damaged file moved aside instead of replaced, and the registry's format 1 -> 2 migration.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { vfleetConfigDir } from '../../electron/core/store/configDir';
import { JsonFileStore } from '../../electron/core/store/jsonFileStore';
import { StoreCorruptError, StoreTooNewError } from '../../electron/core/store/storeErrors';
import type { DocumentFormat } from '../../electron/core/store/versionedDocument';
import { HostRegistry } from '../../electron/core/hosts/hostRegistry';
import { registryFormat } from '../../electron/core/hosts/registryDocument';
import { MemorySecretStore } from '../../electron/core/secrets/memorySecretStore';

const REPO = resolve(import.meta.dirname, '..', '..');
const scratch = await mkdtemp(join(tmpdir(), 'vfleet-store-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

const notesSchema = z.object({ version: z.literal(1), title: z.string(), payload: z.string() }).strict();
type Notes = z.infer<typeof notesSchema>;
const notesFormat: DocumentFormat<Notes> = {
  title: 'notes',
  version: 1,
  schema: notesSchema,
  migrations: [],
  empty: () => ({ version: 1, title: 'empty', payload: '' }),
};

let directory: string;
let file: string;
beforeEach(async () => {
  directory = await mkdtemp(join(scratch, 'case-'));
  file = join(directory, 'notes.json');
});

describe('JsonFileStore', () => {
  it('starts empty when no file exists and persists what is set', async () => {
    const store = await JsonFileStore.open(file, notesFormat);
    expect(store.snapshot()).toEqual({ version: 1, title: 'empty', payload: '' });
    await store.set('title', 'fleet');
    const reopened = await JsonFileStore.open(file, notesFormat);
    expect(reopened.get('title')).toBe('fleet');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, title: 'fleet', payload: '' });
  });

  it('refuses a value that breaks the schema and keeps the previous content', async () => {
    const store = await JsonFileStore.open(file, notesFormat);
    await store.set('title', 'kept');
    await expect(store.set('title', 42 as unknown as string)).rejects.toThrow(/notes was not saved: title/);
    expect(JSON.parse(await readFile(file, 'utf8')).title).toBe('kept');
    expect(store.get('title')).toBe('kept');
  });

  it('sees a write made by another process before applying its own change', async () => {
    const first = await JsonFileStore.open(file, notesFormat);
    const second = await JsonFileStore.open(file, notesFormat);
    await first.set('title', 'from first');
    await second.update((current) => ({ ...current, payload: `${current.title} + second` }));
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ title: 'from first', payload: 'from first + second' });
  });

  it('runs concurrent updates one after another without losing any', async () => {
    const store = await JsonFileStore.open(file, notesFormat);
    await Promise.all(
      Array.from({ length: 20 }, (_, index) => store.update((current) => ({ ...current, payload: `${current.payload}${index},` }))),
    );
    const written = JSON.parse(await readFile(file, 'utf8')) as Notes;
    expect(written.payload.split(',').filter(Boolean).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, index) => String(index)),
    );
  });

  it('moves a file that is not JSON aside, reports it, and does not write defaults in its place', async () => {
    await writeFile(file, '{"version": 1, "title": "half wri');
    const failure = await JsonFileStore.open(file, notesFormat).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreCorruptError);
    const corrupt = failure as StoreCorruptError;
    expect(corrupt.message).toContain(file);
    expect(corrupt.message).toMatch(/not valid JSON/);
    expect(corrupt.movedTo).toMatch(/notes\.json\.corrupt-\d{4}-\d\d-\d\dT/);
    expect(await readFile(corrupt.movedTo as string, 'utf8')).toBe('{"version": 1, "title": "half wri');
    expect(await readdir(directory)).toEqual([corrupt.movedTo?.split('/').pop()]);
  });

  it('moves a file whose content breaks the schema aside with the field named', async () => {
    await writeFile(file, JSON.stringify({ version: 1, title: 7, payload: '' }));
    const failure = (await JsonFileStore.open(file, notesFormat).catch((error: unknown) => error)) as StoreCorruptError;
    expect(failure).toBeInstanceOf(StoreCorruptError);
    expect(failure.reason).toMatch(/^title:/);
    expect((await readdir(directory)).some((name) => name.startsWith('notes.json.corrupt-'))).toBe(true);
  });

  it('leaves a file written by a newer vfleet untouched and says so', async () => {
    const newer = JSON.stringify({ version: 9, title: 'future', payload: '' });
    await writeFile(file, newer);
    await expect(JsonFileStore.open(file, notesFormat)).rejects.toBeInstanceOf(StoreTooNewError);
    expect(await readFile(file, 'utf8')).toBe(newer);
    expect(await readdir(directory)).toEqual(['notes.json']);
  });

  it('keeps the previous content when a writer left a half-written temporary file behind', async () => {
    const store = await JsonFileStore.open(file, notesFormat);
    await store.set('title', 'before the crash');
    // The name a writer with a dead pid would have used.
    await writeFile(join(directory, '.notes.json.tmp-999999999-abcdef'), '{"version": 1, "tit');
    const reopened = await JsonFileStore.open(file, notesFormat);
    expect(reopened.get('title')).toBe('before the crash');
    expect(await readdir(directory)).toEqual(['notes.json']);
  });

  it('survives a writer killed with SIGKILL in the middle of writes: the file is always one whole version', async () => {
    const child = join(directory, 'writer.mjs');
    await writeFile(
      child,
      `import { z } from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('zod')).href)};
import { JsonFileStore } from ${JSON.stringify(join(REPO, 'electron/core/store/jsonFileStore.ts'))};
const schema = z.object({ version: z.literal(1), title: z.string(), payload: z.string() }).strict();
const store = await JsonFileStore.open(process.argv[2], { title: 'notes', version: 1, schema, migrations: [], empty: () => ({ version: 1, title: 'empty', payload: '' }) });
for (let round = 0; ; round++) {
  const letter = 'abcdefgh'[round % 8];
  await store.update(() => ({ version: 1, title: letter, payload: letter.repeat(4 * 1024 * 1024) }));
  process.stdout.write(letter + '\\n');
}
`,
    );
    for (const roundsBeforeKill of [1, 2, 3, 5, 8]) {
      const writer = spawn(process.execPath, ['--import', 'tsx', child, file], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
      let completed = 0;
      await new Promise<void>((resolveKill, reject) => {
        writer.once('exit', (code) => reject(new Error(`the writer exited by itself with code ${code}`)));
        writer.stdout.on('data', (chunk: Buffer) => {
          completed += chunk.toString().split('\n').filter(Boolean).length;
          if (completed >= roundsBeforeKill && writer.exitCode === null) {
            writer.kill('SIGKILL');
            resolveKill();
          }
        });
      });
      await new Promise((done) => writer.once('close', done));
      const reopened = await JsonFileStore.open(file, notesFormat);
      const { title, payload } = reopened.snapshot();
      expect(payload).toBe(title.repeat(4 * 1024 * 1024));
      expect((await readdir(directory)).filter((name) => name.includes('.tmp-'))).toEqual([]);
    }
  });
});

describe('the host registry shared by two processes (desktop app and CLI)', () => {
  const runWriter = (script: string, registryFile: string, prefix: string, count: number): Promise<void> => new Promise((done, reject) => {
    const writer = spawn(process.execPath, ['--import', 'tsx', script, registryFile, prefix, String(count)], { cwd: REPO, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    writer.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    writer.once('close', (code) => (code === 0 ? done() : reject(new Error(`writer ${prefix} exited with ${code}: ${stderr}`))));
  });

  it('keeps every update when two processes change hosts.json at the same time', async () => {
    const script = join(directory, 'registry-writer.mjs');
    await writeFile(script, `import { HostRegistry } from ${JSON.stringify(join(REPO, 'electron/core/hosts/hostRegistry.ts'))};
import { MemorySecretStore } from ${JSON.stringify(join(REPO, 'electron/core/secrets/memorySecretStore.ts'))};
const [file, prefix, count] = process.argv.slice(2);
const registry = await HostRegistry.openFile(file, new MemorySecretStore());
for (let index = 0; index < Number(count); index++) {
  await registry.add({ name: prefix + '-' + index, address: '192.0.2.' + (index + 1), tags: [prefix] });
  await registry.update(prefix + '-' + index, { tags: [prefix, 'updated'] });
}
`);
    const registryFile = join(directory, 'hosts.json');
    const count = 40;
    await Promise.all([runWriter(script, registryFile, 'desktop', count), runWriter(script, registryFile, 'cli', count)]);
    const hosts = (await HostRegistry.openFile(registryFile, new MemorySecretStore())).list();
    expect(hosts).toHaveLength(2 * count);
    expect(hosts.filter((host) => host.tags.includes('updated'))).toHaveLength(2 * count);
    expect((await readdir(directory)).filter((name) => name.endsWith('.lock'))).toEqual([]);
  }, 60_000);

  it('breaks a lock left by a process that died holding it', async () => {
    const store = await JsonFileStore.open(file, notesFormat);
    await writeFile(join(directory, '.notes.json.lock'), JSON.stringify({ pid: 999_999_999, startedAt: '1' }));
    await store.set('title', 'after the crash');
    expect(JSON.parse(await readFile(file, 'utf8')).title).toBe('after the crash');
    expect(await readdir(directory)).toEqual(['notes.json']);
  });

  it('does not rewrite the file when a handshake finds the key it already trusts', async () => {
    const registryFile = join(directory, 'hosts.json');
    const registry = await HostRegistry.openFile(registryFile, new MemorySecretStore());
    await registry.add({ name: 'steady', address: '192.0.2.9' });
    const key = { type: 'ssh-ed25519', fingerprint: `SHA256:${'A'.repeat(43)}`, keyBase64: 'AAAAC3NzaC1lZDI1NTE5AAAAIA==' };
    await registry.recordHostKey('steady', () => ({ decision: 'trusted', key, source: 'known_hosts' }));
    const before = await stat(registryFile);
    for (let handshake = 0; handshake < 3; handshake++) {
      await registry.recordHostKey('steady', () => ({ decision: 'trusted', key, source: 'known_hosts' }));
    }
    const after = await stat(registryFile);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(registry.require('steady').trust.state).toBe('trusted');
  });
});

describe('host registry format migration', () => {
  it('turns a format 1 registry into format 2 on load and writes it back', async () => {
    const registryFile = join(directory, 'hosts.json');
    await writeFile(
      registryFile,
      JSON.stringify({
        version: 1,
        hosts: [
          {
            name: 'alpha',
            host: '10.0.0.5',
            port: 2222,
            user: 'admin',
            identityFile: '/home/admin/.ssh/id_ed25519',
            groups: ['web', 'eu'],
            hostKey: { type: 'ssh-ed25519', fingerprint: `SHA256:${'A'.repeat(43)}`, key: 'AAAAC3NzaC1lZDI1NTE5' },
            sudo: true,
          },
          { name: 'beta', host: 'beta.example.org', port: 22, user: 'root', password: true, groups: [] },
        ],
      }),
    );
    const store = await JsonFileStore.open(registryFile, registryFormat);
    const expected = {
      version: 2,
      hosts: [
        {
          name: 'alpha',
          address: '10.0.0.5',
          port: 2222,
          user: 'admin',
          auth: { kind: 'keyFile', keyPath: '/home/admin/.ssh/id_ed25519', hasPassphrase: false },
          tags: ['web', 'eu'],
          sudo: true,
          trust: {
            state: 'trusted',
            accepted: { type: 'ssh-ed25519', fingerprint: `SHA256:${'A'.repeat(43)}`, keyBase64: 'AAAAC3NzaC1lZDI1NTE5', source: 'approved' },
          },
        },
        { name: 'beta', address: 'beta.example.org', port: 22, user: 'root', auth: { kind: 'password' }, tags: [], sudo: false, trust: { state: 'new' } },
      ],
    };
    expect(store.snapshot()).toEqual(expected);
    expect(JSON.parse(await readFile(registryFile, 'utf8'))).toEqual(expected);
  });
});

describe('vfleetConfigDir', () => {
  it('prefers VFLEET_CONFIG_DIR, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(vfleetConfigDir({ VFLEET_CONFIG_DIR: '/srv/vf', XDG_CONFIG_HOME: '/x', HOME: '/home/a' })).toBe('/srv/vf');
    expect(vfleetConfigDir({ XDG_CONFIG_HOME: '/x', HOME: '/home/a' })).toBe('/x/vfleet');
    expect(vfleetConfigDir({ HOME: '/home/a' })).toBe('/home/a/.config/vfleet');
  });
});
