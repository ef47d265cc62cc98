// The login part of an ssh2 connection for a registry host: the ssh-agent socket, a key file with
// its passphrase, or a password. Secrets come from the secret store or, in plain Node, are asked
// for once and kept in memory only.
import { readFile } from 'node:fs/promises';
import type { ConnectConfig } from 'ssh2';
import type { Host } from '../../../shared/api/hosts';
import type { SecretKind } from '../secrets/secretStore';
import { HostError } from './sshErrors';

export interface CredentialSources {
  secret: (host: string, kind: SecretKind) => Promise<string | undefined>;
  /** Asks the admin (CLI prompt); absent where nobody can answer. */
  ask?: (host: string, kind: SecretKind, prompt: string) => Promise<string | undefined>;
  /** Remembers an answer for the rest of the process. */
  remember?: (host: string, kind: SecretKind, secret: string) => Promise<void>;
  env?: NodeJS.ProcessEnv;
}

export async function sshCredentials(host: Host, sources: CredentialSources): Promise<Partial<ConnectConfig>> {
  const env = sources.env ?? process.env;
  switch (host.auth.kind) {
    case 'agent': {
      const socket = env.SSH_AUTH_SOCK;
      if (!socket) throw new HostError(host.name, 'logs in with ssh-agent, but no agent is running here (SSH_AUTH_SOCK is not set); start ssh-agent or give the host a key file', 'authentication', undefined, 'readsOn');
      return { agent: socket };
    }
    case 'keyFile': {
      const keyPath = host.auth.keyPath;
      const privateKey = await readFile(keyPath).catch((error: NodeJS.ErrnoException) => {
        throw new HostError(host.name, `its key file ${keyPath} cannot be read (${error.code ?? error.message})`, 'authentication');
      });
      if (!host.auth.hasPassphrase) return { privateKey };
      const passphrase = await obtain(host, 'passphrase', `Passphrase for ${keyPath} (host ${host.name}): `, sources);
      return { privateKey, passphrase };
    }
    case 'password':
      return { password: await obtain(host, 'password', `Password for ${host.user}@${host.address} (host ${host.name}): `, sources) };
  }
}

async function obtain(host: Host, kind: SecretKind, prompt: string, sources: CredentialSources): Promise<string> {
  const stored = await sources.secret(host.name, kind);
  if (stored !== undefined) return stored;
  const answered = sources.ask ? await sources.ask(host.name, kind, prompt) : undefined;
  if (answered === undefined || answered === '') {
    throw new HostError(host.name, `needs its ${kind === 'password' ? 'login password' : 'key passphrase'}, and none was given`, 'authentication', undefined, 'readsOn');
  }
  await sources.remember?.(host.name, kind, answered);
  return answered;
}
