// Electron's safeStorage as the cipher of the secret store, refused when it would not really
// encrypt: no OS encryption at all, or Linux's plain-text fallback ('basic_text', no keyring).
import type { SafeStorage } from 'electron';
import type { StringCipher } from '../core/secrets/encryptedSecretStore';

export class SecretStorageUnavailableError extends Error {
  constructor(reason: string) {
    super(
      `Passwords and passphrases cannot be saved: ${reason}. Use ssh-agent (recommended), or enter the secret each time; ` +
        'on Linux, install and unlock a keyring (GNOME Keyring or KWallet).',
    );
    this.name = 'SecretStorageUnavailableError';
  }
}

/** The part of safeStorage used here (Electron's safeStorage in the app; ask only after app 'ready'). */
export type SafeStorageApi = Pick<SafeStorage, 'isEncryptionAvailable' | 'getSelectedStorageBackend' | 'encryptString' | 'decryptString'>;

export function safeStorageCipher(storage: SafeStorageApi, platform: NodeJS.Platform = process.platform): StringCipher {
  if (!storage.isEncryptionAvailable()) throw new SecretStorageUnavailableError('the operating system offers no encryption');
  if (platform === 'linux' && storage.getSelectedStorageBackend() === 'basic_text') {
    throw new SecretStorageUnavailableError('no keyring is available, only a plain-text fallback');
  }
  return {
    encryptString: (plainText) => storage.encryptString(plainText),
    decryptString: (encrypted) => storage.decryptString(encrypted),
  };
}
