// The desktop app's stores: the host registry and the encrypted secrets in Electron's userData.
import { app } from 'electron';
import { EncryptedSecretStore, secretsFormat } from '../core/secrets/encryptedSecretStore';
import { MemorySecretStore } from '../core/secrets/memorySecretStore';
import type { SecretStore } from '../core/secrets/secretStore';
import { HostRegistry } from '../core/hosts/hostRegistry';
import { registryFormat } from '../core/hosts/registryDocument';
import { ElectronKeyValueStore } from './electronKeyValueStore';
import { safeStorageCipher, SecretStorageUnavailableError } from './safeStorageCipher';

/**
 * Call after app 'ready' (safeStorage needs it). Without a real keyring the secrets stay in
 * memory only, and `unavailable` says why so the UI can tell the admin.
 */
export function openDesktopSecretStore(directory = app.getPath('userData')): { secrets: SecretStore; unavailable?: string } {
  try {
    return { secrets: new EncryptedSecretStore(safeStorageCipher(), ElectronKeyValueStore.open(directory, 'secrets', secretsFormat)) };
  } catch (error) {
    if (!(error instanceof SecretStorageUnavailableError)) throw error;
    return { secrets: new MemorySecretStore(), unavailable: error.message };
  }
}

export function openDesktopHostRegistry(secrets: SecretStore, directory = app.getPath('userData')): HostRegistry {
  return new HostRegistry(ElectronKeyValueStore.open(directory, 'hosts', registryFormat), secrets);
}
