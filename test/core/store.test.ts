// The store interface (KeyValueStore) on both of its backends, the CLI's JSON file store and the
// desktop app's electron-store (the real package, run in plain Node): schema checks on load, a
// damaged file moved aside instead of replaced, migrations written back, one lock for every writer
// of a file; and the JSON file store's atomic replacement that survives a killed writer.
import './support/electronStoreInNode';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openElectronStore } from '../../electron/adapters/electronKeyValueStore';
import { vfleetConfigDir } from '../../electron/core/store/configDir';
import { openJsonFileStore } from '../../electron/core/store/jsonFileStore';
import type { KeyValueStore } from '../../electron/core/store/keyValueStore';
import { StoreCorruptError, StoreTooNewError } from '../../electron/core/store/storeErrors';
import type { DocumentFormat, VersionedDocument } from '../../electron/core/store/versionedDocument';
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

const setTitle = (store: KeyValueStore<Notes>, title: string): Promise<Notes> => store.update((current) => ({ ...current, title }));
const contentOf = (store: KeyValueStore<Notes>): Notes => ({ version: store.get('version'), title: store.get('title'), payload: store.get('payload') });

interface Backend {
  name: string;
  open<T extends VersionedDocument>(file: string, format: DocumentFormat<T>): Promise<KeyValueStore<T>>;
}
const jsonFile: Backend = { name: 'the JSON file store (CLI)', open: openJsonFileStore };
const electronStore: Backend = {
  name: 'electron-store (desktop app)',
  open: (file, format) => openElectronStore(dirname(file), basename(file, '.json'), format),
};

describe.each([jsonFile, electronStore])('KeyValueStore on $name', (backend) => {
  const other = backend === jsonFile ? electronStore : jsonFile;

  it('starts empty when no file exists and persists what is set', async () => {
    const store = await backend.open(file, notesFormat);
    expect(contentOf(store)).toEqual({ version: 1, title: 'empty', payload: '' });
    await setTitle(store, 'fleet');
    const reopened = await backend.open(file, notesFormat);
    expect(reopened.get('title')).toBe('fleet');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, title: 'fleet', payload: '' });
  });

  it('refuses a value that breaks the schema and keeps the previous content', async () => {
    const store = await backend.open(file, notesFormat);
    await setTitle(store, 'kept');
    await expect(setTitle(store, 42 as unknown as string)).rejects.toThrow(/notes was not saved: title/);
    expect(JSON.parse(await readFile(file, 'utf8')).title).toBe('kept');
    expect(store.get('title')).toBe('kept');
  });

  it(`sees a write made through ${other.name} on the same file before applying its own change`, async () => {
    const mine = await backend.open(file, notesFormat);
    const theirs = await other.open(file, notesFormat);
    await setTitle(theirs, 'from the other');
    await mine.update((current) => ({ ...current, payload: `${current.title} + mine` }));
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ title: 'from the other', payload: 'from the other + mine' });
    expect(contentOf(await other.open(file, notesFormat))).toMatchObject({ title: 'from the other', payload: 'from the other + mine' });
  });

  it('runs concurrent updates one after another without losing any', async () => {
    const store = await backend.open(file, notesFormat);
    await Promise.all(
      Array.from({ length: 20 }, (_, index) => store.update((current) => ({ ...current, payload: `${current.payload}${index},` }))),
    );
    const written = JSON.parse(await readFile(file, 'utf8')) as Notes;
    expect(written.payload.split(',').filter(Boolean).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, index) => String(index)),
    );
  });

  it('does not rewrite the file when a change leaves the content as it was', async () => {
    const store = await backend.open(file, notesFormat);
    await setTitle(store, 'steady');
    const before = await stat(file);
    await setTitle(store, 'steady');
    await store.update((current) => ({ ...current }));
    const after = await stat(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('moves a file that is not JSON aside, reports it, and does not write defaults in its place', async () => {
    await writeFile(file, '{"version": 1, "title": "half wri');
    const failure = await backend.open(file, notesFormat).catch((error: unknown) => error);
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
    const failure = (await backend.open(file, notesFormat).catch((error: unknown) => error)) as StoreCorruptError;
    expect(failure).toBeInstanceOf(StoreCorruptError);
    expect(failure.reason).toMatch(/^title:/);
    expect((await readdir(directory)).some((name) => name.startsWith('notes.json.corrupt-'))).toBe(true);
  });

  it('leaves a file written by a newer vfleet untouched and says so', async () => {
    const newer = JSON.stringify({ version: 9, title: 'future', payload: '' });
    await writeFile(file, newer);
    await expect(backend.open(file, notesFormat)).rejects.toBeInstanceOf(StoreTooNewError);
    expect(await readFile(file, 'utf8')).toBe(newer);
    expect(await readdir(directory)).toEqual(['notes.json']);
  });

  it('breaks a lock left by a process that died holding it', async () => {
    const store = await backend.open(file, notesFormat);
    await writeFile(join(directory, '.notes.json.lock'), JSON.stringify({ pid: 999_999_999, startedAt: '1' }));
    await setTitle(store, 'after the crash');
    expect(JSON.parse(await readFile(file, 'utf8')).title).toBe('after the crash');
    expect(await readdir(directory)).toEqual(['notes.json']);
  });

  it('turns a format 1 host registry into format 2 on load and writes it back', async () => {
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
    const store = await backend.open(registryFile, registryFormat);
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
    expect({ version: store.get('version'), hosts: store.get('hosts') }).toEqual(expected);
    expect(JSON.parse(await readFile(registryFile, 'utf8'))).toEqual(expected);
  });
});

describe('the JSON file store survives its writer dying', () => {
  it('keeps the previous content when a writer left a half-written temporary file behind', async () => {
    const store = await openJsonFileStore(file, notesFormat);
    await setTitle(store, 'before the crash');
    // The name a writer with a dead pid would have used.
    await writeFile(join(directory, '.notes.json.tmp-999999999-abcdef'), '{"version": 1, "tit');
    const reopened = await openJsonFileStore(file, notesFormat);
    expect(reopened.get('title')).toBe('before the crash');
    expect(await readdir(directory)).toEqual(['notes.json']);
  });

  it('survives a writer killed with SIGKILL in the middle of writes: the file is always one whole version', async () => {
    const child = join(directory, 'writer.mjs');
    await writeFile(
      child,
      `import { z } from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('zod')).href)};
import { openJsonFileStore } from ${JSON.stringify(join(REPO, 'electron/core/store/jsonFileStore.ts'))};
const schema = z.object({ version: z.literal(1), title: z.string(), payload: z.string() }).strict();
const store = await openJsonFileStore(process.argv[2], { title: 'notes', version: 1, schema, migrations: [], empty: () => ({ version: 1, title: 'empty', payload: '' }) });
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
      const reopened = await openJsonFileStore(file, notesFormat);
      const { title, payload } = contentOf(reopened);
      expect(payload).toBe(title.repeat(4 * 1024 * 1024));
      expect((await readdir(directory)).filter((name) => name.includes('.tmp-'))).toEqual([]);
    }
  });
});

describe('the host registry shared by two processes (desktop app and CLI)', () => {
  const runWriter = (script: string, registryFile: string, backend: 'electron-store' | 'json-file', count: number): Promise<void> => new Promise((done, reject) => {
    const writer = spawn(process.execPath, ['--import', 'tsx', script, registryFile, backend, String(count)], { cwd: REPO, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    writer.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    writer.once('close', (code) => (code === 0 ? done() : reject(new Error(`the ${backend} writer exited with ${code}: ${stderr}`))));
  });

  it('keeps every update when the desktop app (electron-store) and the CLI (JSON file) change hosts.json at the same time', async () => {
    const script = join(directory, 'registry-writer.mjs');
    await writeFile(script, `import ${JSON.stringify(join(REPO, 'test/core/support/electronStoreInNode.ts'))};
import { dirname } from 'node:path';
import { openElectronStore } from ${JSON.stringify(join(REPO, 'electron/adapters/electronKeyValueStore.ts'))};
import { HostRegistry } from ${JSON.stringify(join(REPO, 'electron/core/hosts/hostRegistry.ts'))};
import { registryFormat } from ${JSON.stringify(join(REPO, 'electron/core/hosts/registryDocument.ts'))};
import { MemorySecretStore } from ${JSON.stringify(join(REPO, 'electron/core/secrets/memorySecretStore.ts'))};
const [file, backend, count] = process.argv.slice(2);
const registry = backend === 'electron-store'
  ? new HostRegistry(await openElectronStore(dirname(file), 'hosts', registryFormat), new MemorySecretStore())
  : await HostRegistry.openFile(file, new MemorySecretStore());
for (let index = 0; index < Number(count); index++) {
  await registry.add({ name: backend + '-' + index, address: '192.0.2.' + (index + 1), tags: [backend] });
  await registry.update(backend + '-' + index, { tags: [backend, 'updated'] });
}
`);
    const registryFile = join(directory, 'hosts.json');
    const count = 40;
    await Promise.all([runWriter(script, registryFile, 'electron-store', count), runWriter(script, registryFile, 'json-file', count)]);
    const hosts = (await HostRegistry.openFile(registryFile, new MemorySecretStore())).list();
    expect(hosts).toHaveLength(2 * count);
    expect(hosts.filter((host) => host.tags.includes('updated'))).toHaveLength(2 * count);
    expect(await readdir(directory)).toEqual(['hosts.json', 'registry-writer.mjs']);
  }, 60_000);

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

describe('vfleetConfigDir', () => {
  it('prefers VFLEET_CONFIG_DIR, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(vfleetConfigDir({ VFLEET_CONFIG_DIR: '/srv/vf', XDG_CONFIG_HOME: '/x', HOME: '/home/a' })).toBe('/srv/vf');
    expect(vfleetConfigDir({ XDG_CONFIG_HOME: '/x', HOME: '/home/a' })).toBe('/x/vfleet');
    expect(vfleetConfigDir({ HOME: '/home/a' })).toBe('/home/a/.config/vfleet');
  });
});
