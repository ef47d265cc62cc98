// Electron's safeStorage as the cipher of the secret store, refused when it would not really
// encrypt: no OS keyring, or Linux's plain-text fallback ('basic_text').
import { safeStorage } from 'electron';
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

export function safeStorageCipher(platform: NodeJS.Platform = process.platform): StringCipher {
  if (!safeStorage.isEncryptionAvailable()) throw new SecretStorageUnavailableError('the operating system offers no encryption');
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
    throw new SecretStorageUnavailableError('no keyring is available, only a plain-text fallback');
  }
  return {
    encryptString: (plainText) => safeStorage.encryptString(plainText),
    decryptString: (encrypted) => safeStorage.decryptString(encrypted),
  };
}
