// Passwords and key passphrases, kept apart from the host registry so that no registry file,
// log or export ever holds one in plain text.

export type SecretKind = 'password' | 'passphrase';

export interface SecretStore {
  /** Whether secrets outlive the process (safeStorage) or vanish with it (memory). */
  readonly persistent: boolean;
  get(hostName: string, kind: SecretKind): Promise<string | undefined>;
  set(hostName: string, kind: SecretKind, secret: string): Promise<void>;
  delete(hostName: string, kind: SecretKind): Promise<void>;
}

export function secretKey(hostName: string, kind: SecretKind): string {
  return `${hostName}\u0000${kind}`;
}
