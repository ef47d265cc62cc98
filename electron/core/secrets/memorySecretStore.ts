// Plain Node keeps secrets only for the life of the process: the CLI asks for them each run.
import { secretKey, type SecretKind, type SecretStore } from './secretStore';

export class MemorySecretStore implements SecretStore {
  readonly persistent = false;
  private readonly secrets = new Map<string, string>();

  async get(hostName: string, kind: SecretKind): Promise<string | undefined> {
    return this.secrets.get(secretKey(hostName, kind));
  }

  async set(hostName: string, kind: SecretKind, secret: string): Promise<void> {
    this.secrets.set(secretKey(hostName, kind), secret);
  }

  async delete(hostName: string, kind: SecretKind): Promise<void> {
    this.secrets.delete(secretKey(hostName, kind));
  }
}
