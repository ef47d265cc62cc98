// This workstation's Ed25519 key for agent bundles. A host where the agent runs as root installs only
// bundles signed with a key its admin pinned (in the sudoers rule's install command), so the host's
// SSH user, who also controls the upload, cannot get root to install a script of its own.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface AgentSigningKey {
  /** The public key as base64 DER (SPKI), the form the host's installer embeds. */
  publicKeyDer: string;
  /** Base64 signature of a bundle's sha256 (hex). */
  signHash(sha256: string): string;
}

export function agentSigningKeyFrom(privateKey: KeyObject): AgentSigningKey {
  return {
    publicKeyDer: createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64'),
    signHash: (sha256) => sign(null, Buffer.from(sha256, 'utf8'), privateKey).toString('base64'),
  };
}

/** The key in `file` (PKCS#8 PEM, mode 0600), made on first use; two cores starting at once end up with the same one. */
export async function loadAgentSigningKey(file: string): Promise<AgentSigningKey> {
  try {
    return agentSigningKeyFrom(createPrivateKey(await readFile(file)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`the agent signing key ${file} is unreadable: ${(error as Error).message}`);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written whole under another name, then linked (never overwrites): a reader never sees half a key.
  const written = `${file}.new-${process.pid}-${randomBytes(6).toString('hex')}`;
  await writeFile(written, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  try {
    await link(written, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return agentSigningKeyFrom(createPrivateKey(await readFile(file)));
  } finally {
    await rm(written, { force: true });
  }
  return agentSigningKeyFrom(privateKey);
}
