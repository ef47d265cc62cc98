// Audit parameters must never carry a password or passphrase, whatever action logged them.

const SECRET_KEY = /(password|passphrase|secret|token|privatekey|credential)s?$/i;

export const REDACTED = '[redacted]';

export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_KEY.test(key) && inner !== undefined ? REDACTED : redactSecrets(inner);
  }
  return out;
}
