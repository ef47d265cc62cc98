// Secrets that outlive the process, stored only as ciphertext from an OS-backed cipher (Electron's
// safeStorage in the desktop app); the file maps "host/kind" to base64 ciphertext.
import { z } from 'zod';
import type { KeyValueStore } from '../store/keyValueStore';
import type { DocumentFormat } from '../store/versionedDocument';
import type { SecretKind, SecretStore } from './secretStore';

/** The part of Electron's safeStorage a secret store needs. */
export interface StringCipher {
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export const secretsDocumentSchema = z
  .object({
    version: z.literal(1),
    secrets: z.record(z.string(), z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'a secret is stored as base64 ciphertext')),
  })
  .strict();
export type SecretsDocument = z.infer<typeof secretsDocumentSchema>;

export const secretsFormat: DocumentFormat<SecretsDocument> = {
  title: 'encrypted secrets',
  version: 1,
  schema: secretsDocumentSchema,
  migrations: [],
  empty: () => ({ version: 1, secrets: {} }),
};

function entryName(hostName: string, kind: SecretKind): string {
  return `${hostName}/${kind}`;
}

export class EncryptedSecretStore implements SecretStore {
  readonly persistent = true;

  constructor(
    private readonly cipher: StringCipher,
    private readonly store: KeyValueStore<SecretsDocument>,
  ) {}

  async get(hostName: string, kind: SecretKind): Promise<string | undefined> {
    const encrypted = this.store.get('secrets')[entryName(hostName, kind)];
    if (encrypted === undefined) return undefined;
    try {
      return this.cipher.decryptString(Buffer.from(encrypted, 'base64'));
    } catch (error) {
      throw new Error(`The stored ${kind} of host ${hostName} cannot be decrypted (${(error as Error).message}); enter it again.`);
    }
  }

  async set(hostName: string, kind: SecretKind, secret: string): Promise<void> {
    const encrypted = this.cipher.encryptString(secret).toString('base64');
    await this.store.update((document) => ({ ...document, secrets: { ...document.secrets, [entryName(hostName, kind)]: encrypted } }));
  }

  async delete(hostName: string, kind: SecretKind): Promise<void> {
    const name = entryName(hostName, kind);
    if (!(name in this.store.get('secrets'))) return;
    await this.store.update((document) => {
      const { [name]: _removed, ...rest } = document.secrets;
      return { ...document, secrets: rest };
    });
  }
}
