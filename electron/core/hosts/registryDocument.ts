// The stored form of the host registry (hosts.json) and its format history.
import { z } from 'zod';
import { hostSchema } from '../../../shared/api/hosts';
import type { DocumentFormat, Migration } from '../store/versionedDocument';

export const REGISTRY_FORMAT_VERSION = 2;

export const registryDocumentSchema = z
  .object({
    version: z.literal(REGISTRY_FORMAT_VERSION),
    hosts: z.array(hostSchema),
  })
  .strict();
export type RegistryDocument = z.infer<typeof registryDocumentSchema>;

/**
 * Format 1 kept connection fields flat: `host` for the address, `identityFile` or `password: true`
 * for the login, `groups`, and an approved `hostKey {type, fingerprint, key}`. Format 2 names the
 * address `address`, makes the login a tagged `auth`, calls groups `tags` and gathers the key and
 * its approval state in `trust`.
 */
const hostsV1ToV2: Migration = {
  from: 1,
  describe: 'format 1 to 2: address, auth, tags and trust',
  migrate(document) {
    const hosts = Array.isArray(document.hosts) ? document.hosts : [];
    return {
      ...document,
      hosts: hosts.map((entry: Record<string, unknown>) => {
        const { host, identityFile, password, groups, hostKey, ...rest } = entry;
        const key = hostKey as { type: string; fingerprint: string; key: string } | undefined;
        return {
          ...rest,
          address: host,
          auth:
            typeof identityFile === 'string'
              ? { kind: 'keyFile', keyPath: identityFile, hasPassphrase: false }
              : password === true
                ? { kind: 'password' }
                : { kind: 'agent' },
          tags: Array.isArray(groups) ? groups : [],
          sudo: rest.sudo === true,
          trust: key
            ? {
                state: 'trusted',
                accepted: { type: key.type, fingerprint: key.fingerprint, keyBase64: key.key, source: 'approved' },
              }
            : { state: 'new' },
        };
      }),
    };
  },
};

export const registryFormat: DocumentFormat<RegistryDocument> = {
  title: 'host registry',
  version: REGISTRY_FORMAT_VERSION,
  schema: registryDocumentSchema,
  migrations: [hostsV1ToV2],
  empty: () => ({ version: REGISTRY_FORMAT_VERSION, hosts: [] }),
};
