// Hosts of the fleet as the app API, the CLI and the store see them: registry entries, their
// trust in a host key, and import previews. Secrets never appear here; only whether one is needed.
import { z } from 'zod';
import { isIpv4, isIpv6 } from '../validation/network';

const HOST_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const DNS_NAME_PATTERN = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const USER_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;

export function isHostAddress(text: string): boolean {
  return isIpv4(text) || isIpv6(text) || DNS_NAME_PATTERN.test(text);
}

export const hostNameSchema = z
  .string()
  .regex(HOST_NAME_PATTERN, 'a host name starts with a letter or digit and holds only letters, digits, ".", "_" and "-" (at most 63)');

export const hostAddressSchema = z
  .string()
  .min(1, 'the address is empty')
  .refine(isHostAddress, 'the address is neither a DNS name nor an IPv4/IPv6 address');

export const sshPortSchema = z
  .number()
  .int('the port is a whole number')
  .min(1, 'the port is between 1 and 65535')
  .max(65535, 'the port is between 1 and 65535');

export const sshUserSchema = z.string().regex(USER_NAME_PATTERN, 'the user name is not a valid login name');

export const hostTagSchema = z
  .string()
  .regex(TAG_PATTERN, 'a tag holds only letters, digits, ".", ":", "_" and "-" (at most 64)');

/** How the core logs in; a password or passphrase itself lives in the secret store only. */
export const hostAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('agent') }).strict(),
  z
    .object({
      kind: z.literal('keyFile'),
      keyPath: z.string().startsWith('/', 'the key file path is absolute'),
      hasPassphrase: z.boolean().default(false),
    })
    .strict(),
  z.object({ kind: z.literal('password') }).strict(),
]);
export type HostAuth = z.infer<typeof hostAuthSchema>;

/** OpenSSH's fingerprint form: "SHA256:" + unpadded base64 of the key blob's SHA-256. */
export const fingerprintSchema = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a fingerprint looks like SHA256: followed by 43 base64 characters');

export const hostKeySchema = z
  .object({
    /** Key type as named in the key blob: ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, ... */
    type: z.string().min(1),
    fingerprint: fingerprintSchema,
    /** The public key blob, base64 (the second field of a known_hosts line). */
    keyBase64: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'the key is not base64'),
  })
  .strict();
export type HostKey = z.infer<typeof hostKeySchema>;

export const hostKeySourceSchema = z.enum(['approved', 'known_hosts']);
export type HostKeySource = z.infer<typeof hostKeySourceSchema>;

/**
 * new: never connected; trusted: a key is accepted; pending: an unknown key waits for approval;
 * blocked: the host offered a key different from the accepted one and stays blocked until approved.
 */
export const hostTrustStateSchema = z.enum(['new', 'trusted', 'pending', 'blocked']);
export type HostTrustState = z.infer<typeof hostTrustStateSchema>;

export const hostTrustSchema = z
  .object({
    state: hostTrustStateSchema,
    accepted: hostKeySchema
      .extend({
        source: hostKeySourceSchema,
        /** ISO time; absent for keys accepted before registry format 2. */
        acceptedAt: z.string().optional(),
      })
      .strict()
      .optional(),
    /** The key the host offered last time it was refused (pending or blocked). */
    offered: hostKeySchema.extend({ seenAt: z.string() }).strict().optional(),
    /** Why the host is blocked, in words for the admin (old and new fingerprints). */
    warning: z.string().optional(),
  })
  .strict();
export type HostTrust = z.infer<typeof hostTrustSchema>;

/** A jump host: the name of another registry host, or [user@]address[:port]. */
export const jumpHostSchema = z.string().min(1).max(300);

export const hostSchema = z
  .object({
    name: hostNameSchema,
    address: hostAddressSchema,
    port: sshPortSchema,
    user: sshUserSchema,
    auth: hostAuthSchema,
    jump: jumpHostSchema.optional(),
    tags: z.array(hostTagSchema),
    /** Run agent commands through `sudo -n` (the user is not root). */
    sudo: z.boolean(),
    trust: hostTrustSchema,
  })
  .strict();
export type Host = z.infer<typeof hostSchema>;

/** The agent needs root on the host: a user other than root goes through sudo unless told otherwise. */
export function sudoFor(user: string, sudo: boolean | undefined): boolean {
  return sudo ?? user !== 'root';
}

/** What an admin gives to add a host; a password or passphrase goes to the secret store. */
export const hostInputSchema = z
  .object({
    name: hostNameSchema,
    address: hostAddressSchema,
    port: sshPortSchema.default(22),
    user: sshUserSchema.default('root'),
    auth: hostAuthSchema.default({ kind: 'agent' }),
    jump: jumpHostSchema.optional(),
    tags: z.array(hostTagSchema).default([]),
    /** Default: sudoFor(user). */
    sudo: z.boolean().optional(),
    password: z.string().min(1).optional(),
    passphrase: z.string().min(1).optional(),
  })
  .strict();
export type HostInput = z.input<typeof hostInputSchema>;
export type ParsedHostInput = z.output<typeof hostInputSchema>;

/** Fields an update may change; `jump: null` removes the jump host. */
export const hostUpdateSchema = z
  .object({
    address: hostAddressSchema.optional(),
    port: sshPortSchema.optional(),
    user: sshUserSchema.optional(),
    auth: hostAuthSchema.optional(),
    jump: jumpHostSchema.nullable().optional(),
    tags: z.array(hostTagSchema).optional(),
    sudo: z.boolean().optional(),
    password: z.string().min(1).optional(),
    passphrase: z.string().min(1).optional(),
  })
  .strict();
export type HostUpdate = z.input<typeof hostUpdateSchema>;

/** The admin approves the fingerprint they were shown, not whatever key the host offers next. */
export const approveHostKeySchema = z.object({ name: hostNameSchema, fingerprint: fingerprintSchema }).strict();
export type ApproveHostKey = z.infer<typeof approveHostKeySchema>;

export const importSourceKindSchema = z.enum(['ssh_config', 'ansible_ini', 'ansible_yaml']);
export type ImportSourceKind = z.infer<typeof importSourceKindSchema>;

/** One host found in an import source, with where it was found. */
export const importCandidateSchema = z
  .object({
    host: hostInputSchema.omit({ password: true, passphrase: true }),
    /** "file:line" of the entry, for the admin to look it up. */
    origin: z.string(),
  })
  .strict();
export type ImportCandidate = z.infer<typeof importCandidateSchema>;

export const importPreviewSchema = z
  .object({
    source: z.object({ kind: importSourceKindSchema, path: z.string() }).strict(),
    /** Hosts that apply would add. */
    toAdd: z.array(importCandidateSchema),
    /** Hosts already in the registry: same name, or same address and port. */
    existing: z.array(
      importCandidateSchema.extend({
        existingName: hostNameSchema,
        reason: z.enum(['same name', 'same address and port']),
      }),
    ),
    /** Entries that are not hosts or cannot become hosts, and why. */
    skipped: z.array(z.object({ entry: z.string(), origin: z.string(), reason: z.string() }).strict()),
    /** Things the admin should know: ignored Match blocks, unsupported ProxyCommand, ... */
    warnings: z.array(z.string()),
  })
  .strict();
export type ImportPreview = z.infer<typeof importPreviewSchema>;

export const importResultSchema = z
  .object({
    added: z.array(hostNameSchema),
    /** Candidates that became conflicting between preview and apply. */
    notAdded: z.array(z.object({ name: z.string(), reason: z.string() }).strict()),
  })
  .strict();
export type ImportResult = z.infer<typeof importResultSchema>;

/** What a new host or an import starts from on this workstation. */
export const hostDefaultsSchema = z
  .object({
    /** ssh-agent: usable when SSH_AUTH_SOCK names a socket here; detail says what was found. */
    sshAgent: z.object({ usable: z.boolean(), detail: z.string() }).strict(),
    /** This user's OpenSSH client configuration, ~/.ssh/config (it may not exist). */
    sshConfigPath: z.string(),
  })
  .strict();
export type HostDefaults = z.infer<typeof hostDefaultsSchema>;
