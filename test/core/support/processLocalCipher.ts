// AES-256-GCM with a process-local key: a real cipher standing in for the OS keyring behind safeStorage.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { StringCipher } from '../../../electron/core/secrets/encryptedSecretStore';

export function processLocalCipher(): StringCipher {
  const key = randomBytes(32);
  return {
    encryptString(plainText) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(encrypted) {
      const decipher = createDecipheriv('aes-256-gcm', key, encrypted.subarray(0, 12));
      decipher.setAuthTag(encrypted.subarray(12, 28));
      return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
