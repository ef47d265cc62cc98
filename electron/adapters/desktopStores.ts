// The desktop app's stores: the host registry and the encrypted secrets through electron-store.
// They live in vfleet's config directory, beside the CLI's: one hosts.json, under one lock file.
import { HostRegistry } from '../core/hosts/hostRegistry';
import { registryFormat } from '../core/hosts/registryDocument';
import { EncryptedSecretStore, secretsFormat } from '../core/secrets/encryptedSecretStore';
import { MemorySecretStore } from '../core/secrets/memorySecretStore';
import type { SecretStore } from '../core/secrets/secretStore';
import { openElectronStore } from './electronKeyValueStore';
import { safeStorageCipher, SecretStorageUnavailableError, type SafeStorageApi } from './safeStorageCipher';

export interface DesktopStores {
  registry: HostRegistry;
  secrets: SecretStore;
  /** Why secrets stay in memory only (no real keyring), for the admin; absent when they are saved encrypted. */
  secretsUnavailable?: string;
}

/** Call after app 'ready' (safeStorage needs it); `storage` is Electron's safeStorage. */
export async function openDesktopStores(directory: string, storage: SafeStorageApi, platform: NodeJS.Platform = process.platform): Promise<DesktopStores> {
  let secrets: SecretStore;
  let secretsUnavailable: string | undefined;
  try {
    const cipher = safeStorageCipher(storage, platform);
    secrets = new EncryptedSecretStore(cipher, await openElectronStore(directory, 'secrets', secretsFormat));
  } catch (error) {
    if (!(error instanceof SecretStorageUnavailableError)) throw error;
    secrets = new MemorySecretStore();
    secretsUnavailable = error.message;
  }
  const registry = new HostRegistry(await openElectronStore(directory, 'hosts', registryFormat), secrets);
  return { registry, secrets, ...(secretsUnavailable !== undefined ? { secretsUnavailable } : {}) };
}
