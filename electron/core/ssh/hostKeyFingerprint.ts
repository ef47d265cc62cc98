// Host key identity as OpenSSH shows it: the key type from the blob and "SHA256:" + unpadded base64.
import { createHash } from 'node:crypto';
import type { HostKey } from '../../../shared/api/hosts';

export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The first field of an SSH public key blob is its type name (RFC 4253, section 6.6). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) throw new Error('the host key is too short to be an SSH public key');
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || keyBlob.length < 4 + length) {
    throw new Error('the host key does not start with a key type name');
  }
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

export function hostKeyOf(keyBlob: Buffer): HostKey {
  return { type: keyTypeOf(keyBlob), fingerprint: sha256Fingerprint(keyBlob), keyBase64: keyBlob.toString('base64') };
}
