// The desktop app's stores as its main process opens them: the real electron-store (in plain Node,
// see support/electronStoreInNode), and a stand-in for Electron's safeStorage, which needs the
// Electron binary: it answers isEncryptionAvailable and getSelectedStorageBackend as safeStorage
// does on each kind of machine and encrypts with processLocalCipher in place of the keyring.
import './support/electronStoreInNode';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openDesktopStores } from '../../electron/adapters/desktopStores';
import type { SafeStorageApi } from '../../electron/adapters/safeStorageCipher';
import { HostRegistry } from '../../electron/core/hosts/hostRegistry';
import { MemorySecretStore } from '../../electron/core/secrets/memorySecretStore';
import { processLocalCipher } from './support/processLocalCipher';

const scratch = await mkdtemp(join(tmpdir(), 'vfleet-desktop-stores-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

type Backend = ReturnType<SafeStorageApi['getSelectedStorageBackend']>;

function safeStorageOf(machine: { encryptionAvailable: boolean; backend: Backend }): SafeStorageApi {
  return {
    isEncryptionAvailable: () => machine.encryptionAvailable,
    getSelectedStorageBackend: () => machine.backend,
    ...processLocalCipher(),
  };
}

const password = 'Correct-Horse-Battery-Staple';
let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(scratch, 'case-'));
});

describe('the desktop app stores', () => {
  it('saves a password only as ciphertext, written by electron-store, when a keyring backs safeStorage', async () => {
    const storage = safeStorageOf({ encryptionAvailable: true, backend: 'gnome_libsecret' });
    const desktop = await openDesktopStores(directory, storage, 'linux');
    expect(desktop.secretsUnavailable).toBeUndefined();
    expect(desktop.secrets.persistent).toBe(true);
    await desktop.registry.add({ name: 'pw', address: '10.0.0.1', auth: { kind: 'password' }, password });

    const secretsText = await readFile(join(directory, 'secrets.json'), 'utf8');
    expect(secretsText).not.toContain(password);
    expect(secretsText).not.toContain(Buffer.from(password).toString('base64'));
    expect(secretsText).toMatch(/^\{\n\t"version": 1,/); // electron-store's layout, not the CLI's
    expect(await readFile(join(directory, 'hosts.json'), 'utf8')).not.toContain(password);

    const restarted = await openDesktopStores(directory, storage, 'linux');
    expect(await restarted.registry.secret('pw', 'password')).toBe(password);
  });

  it('refuses safeStorage on Linux when only its plain-text backend exists: the password stays in memory', async () => {
    const desktop = await openDesktopStores(directory, safeStorageOf({ encryptionAvailable: true, backend: 'basic_text' }), 'linux');
    expect(desktop.secretsUnavailable).toMatch(/cannot be saved: no keyring is available, only a plain-text fallback/);
    expect(desktop.secrets.persistent).toBe(false);
    await desktop.registry.add({ name: 'pw', address: '10.0.0.1', auth: { kind: 'password' }, password });
    expect(await desktop.registry.secret('pw', 'password')).toBe(password);
    expect(await readdir(directory)).toEqual(['hosts.json']);
    expect(await readFile(join(directory, 'hosts.json'), 'utf8')).not.toContain(password);
  });

  it('refuses safeStorage when the operating system offers no encryption', async () => {
    const desktop = await openDesktopStores(directory, safeStorageOf({ encryptionAvailable: false, backend: 'unknown' }), 'darwin');
    expect(desktop.secretsUnavailable).toMatch(/cannot be saved: the operating system offers no encryption/);
    expect(desktop.secrets.persistent).toBe(false);
  });

  it('shares hosts.json with the CLI: each sees the hosts the other added', async () => {
    const desktop = await openDesktopStores(directory, safeStorageOf({ encryptionAvailable: true, backend: 'kwallet6' }), 'linux');
    const cli = await HostRegistry.openFile(join(directory, 'hosts.json'), new MemorySecretStore());
    await desktop.registry.add({ name: 'from-desktop', address: '10.0.0.1' });
    await cli.add({ name: 'from-cli', address: '10.0.0.2' });
    await desktop.registry.update('from-desktop', { tags: ['web'] });
    const names = (await HostRegistry.openFile(join(directory, 'hosts.json'), new MemorySecretStore())).list().map((host) => host.name);
    expect(names.sort()).toEqual(['from-cli', 'from-desktop']);
  });
});
