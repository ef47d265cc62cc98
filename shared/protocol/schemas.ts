// The parameters and results of the agent's methods that are more than a domain shape
// (shared/domain/guest.ts); the method table in methods.ts pairs them with the method names.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';
import {
  cgroupVersionSchema, driverNameSchema, guestConfigSchema, guestLimitUsageSchema, guestStatusSchema, initStyleSchema,
} from '../domain/guest';
import {
  guestNameSchema, markSchema, xidSchema, guestInterfaceSpecSchema, sizeSchema, safePathSchema, rsyncSourceSchema, nodenameSchema,
  domainnameSchema, linuxCapabilitySchema, contextCapabilitySchema, contextFlagSchema, cpuSetSchema, processCountSchema, ioWeightSchema,
  fillRateSchema, intervalSchema, cpuFractionSchema,
} from '../validation';

export const noParamsSchema = z.object({}).strict().optional();
export const nameParamsSchema = z.object({ name: guestNameSchema }).strict();
export const emptyResultSchema = z.object({}).strict();

/**
 * The debootstrap options a build may pass on: package lists and components, and a tarball of
 * .debs made by --make-tarball (an offline build). Anything else (scripts, keyrings, --foreign)
 * would change what is trusted or run, so it is refused.
 */
export const debootstrapOptionSchema = z.union([
  z.string().regex(/^--(include|exclude|components)=[a-z0-9][a-z0-9.+-]*(,[a-z0-9][a-z0-9.+-]*)*$/, 'a package or component list is comma-separated lower-case names'),
  z.string().startsWith('--unpack-tarball=').refine((option) => safePathSchema.safeParse(option.slice('--unpack-tarball='.length)).success, 'the tarball is a local absolute path'),
], { message: 'debootstrap options allowed: --include=, --exclude=, --components=, --unpack-tarball=PATH' });

export const BUILD_METHODS = ['skeleton', 'busybox', 'template', 'rsync', 'debootstrap'] as const;
export type BuildMethod = (typeof BUILD_METHODS)[number];

export const buildParamsSchema = z
  .object({
    name: guestNameSchema,
    method: z.enum(BUILD_METHODS),
    xid: xidSchema,
    hostname: nodenameSchema.optional(),
    domainname: domainnameSchema.optional(),
    interfaces: z.array(guestInterfaceSpecSchema).max(16).default([]),
    initStyle: initStyleSchema.default('plain'),
    mark: markSchema.optional(),
    /** template: a tarball or a directory; rsync: /PATH or HOST:/PATH. */
    source: z.union([safePathSchema, rsyncSourceSchema]).optional(),
    /** debootstrap: distribution (e.g. bookworm) and mirror URL. */
    distribution: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a distribution is a lower-case code name like bookworm').optional(),
    mirror: z.string().max(512).regex(/^https?:\/\/[A-Za-z0-9.:/_-]+$/, 'a mirror is an http(s) URL without special characters').optional(),
    /** debootstrap: its own options (util-vserver's second "--"), only the ones listed in debootstrapOptionSchema. */
    debootstrapOptions: z.array(debootstrapOptionSchema).max(16).optional(),
  })
  .strict()
  .superRefine((params, context) => {
    if ((params.method === 'template' || params.method === 'rsync') && !params.source) {
      context.addIssue({ code: 'custom', path: ['source'], message: `build method ${params.method} needs a source` });
    }
    if (params.method === 'template' && params.source && !safePathSchema.safeParse(params.source).success) {
      context.addIssue({ code: 'custom', path: ['source'], message: 'a template source is a local absolute path' });
    }
  });
export type BuildParams = z.infer<typeof buildParamsSchema>;

const execEnvSchema = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'environment names are letters, digits and "_"'), z.string().max(65536))
  .refine((env) => Object.keys(env).length <= 128, 'at most 128 environment variables');

const terminalSize = {
  cols: z.number().int().min(1).max(1000),
  rows: z.number().int().min(1).max(1000),
};

export const execParamsSchema = z
  .object({
    name: guestNameSchema,
    argv: z.array(z.string().max(65536)).min(1, 'exec needs a command').max(4096),
    tty: z.boolean().default(false),
    env: execEnvSchema.optional(),
    cwd: safePathSchema.optional(),
    cols: terminalSize.cols.optional(),
    rows: terminalSize.rows.optional(),
  })
  .strict();

export const enterParamsSchema = z
  .object({ name: guestNameSchema, cols: terminalSize.cols.optional(), rows: terminalSize.rows.optional() })
  .strict();

export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a session id');
export const execStartedSchema = z.object({ session: sessionIdSchema, pid: z.number().int().positive() });
export const stdinParamsSchema = z.object({ session: sessionIdSchema, data: z.string().max(1_000_000).optional(), eof: z.boolean().optional() }).strict();
export const resizeParamsSchema = z.object({ session: sessionIdSchema, ...terminalSize }).strict();

export const SIGNAL_NAMES = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGKILL', 'SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGWINCH'] as const;
export const signalParamsSchema = z.object({ session: sessionIdSchema, signal: z.enum(SIGNAL_NAMES) }).strict();

/** Limits to change: a value sets, null removes, absent keeps. Sizes accept "256M". */
export const limitChangesSchema = z
  .object({
    memoryHard: sizeSchema.nullable().optional(),
    memorySoft: sizeSchema.nullable().optional(),
    processes: processCountSchema.nullable().optional(),
    cpu: cpuFractionSchema.nullable().optional(),
    cpuFillRate: fillRateSchema.nullable().optional(),
    cpuInterval: intervalSchema.nullable().optional(),
    cpuSet: cpuSetSchema.nullable().optional(),
    ioWeight: ioWeightSchema.nullable().optional(),
  })
  .strict();
export type LimitChanges = z.infer<typeof limitChangesSchema>;
export const limitSetParamsSchema = z.object({ name: guestNameSchema, limits: limitChangesSchema }).strict();

export const limitResultSchema = z.object({
  name: guestNameSchema,
  running: z.boolean(),
  /** True when the new limits were also applied to the running guest. */
  appliedLive: z.boolean(),
  usage: guestLimitUsageSchema,
});

export const capsSetParamsSchema = z
  .object({
    name: guestNameSchema,
    add: z.array(linuxCapabilitySchema).max(64).default([]),
    drop: z.array(linuxCapabilitySchema).max(64).default([]),
    ccapAdd: z.array(contextCapabilitySchema).max(64).default([]),
    ccapDrop: z.array(contextCapabilitySchema).max(64).default([]),
  })
  .strict();

export const capsResultSchema = z.object({
  name: guestNameSchema,
  bcapabilities: z.array(z.string()),
  ccapabilities: z.array(z.string()),
  running: z.boolean(),
  /** Capabilities take effect at the next start of the guest. */
  appliesAtNextStart: z.literal(true),
});

export const unameSetParamsSchema = z
  .object({
    name: guestNameSchema,
    nodename: nodenameSchema.optional(),
    domainname: domainnameSchema.optional(),
    flagAdd: z.array(contextFlagSchema).max(32).default([]),
    flagDrop: z.array(contextFlagSchema).max(32).default([]),
  })
  .strict();

export const unameResultSchema = z.object({
  name: guestNameSchema,
  nodename: z.string(),
  domainname: z.string(),
  cflags: z.array(z.string()),
  running: z.boolean(),
  /** True when nodename/domainname were changed in the running guest too. */
  appliedLive: z.boolean(),
  /** Present when context flags were changed: they take effect at the next start. */
  flagsApplyAtNextStart: z.literal(true).optional(),
});

export const guestListEntrySchema = z.object({
  config: guestConfigSchema,
  status: guestStatusSchema,
});

export const markedStartResultSchema = z.object({
  mark: markSchema,
  results: z.array(
    z.object({ name: guestNameSchema, ok: z.boolean(), status: guestStatusSchema.optional(), error: z.string().optional() }),
  ),
});

export const subscribeParamsSchema = z
  .object({
    guestState: z.boolean().default(true),
    /** Health sample period; absent = no samples. */
    healthIntervalMs: z.number().int().min(200, 'the sample interval is at least 200 ms').max(3_600_000).optional(),
  })
  .strict();

export const helloParamsSchema = z.object({ client: z.string().max(128).optional(), protocolVersion: z.number().int().optional() }).strict().optional();

export const helloResultSchema = z.object({
  protocolVersion: z.number().int(),
  agentVersion: z.string(),
  driver: driverNameSchema,
  cgroupVersion: cgroupVersionSchema,
  features: z.array(z.string()),
  hostname: z.string(),
  pid: z.number().int().positive(),
  configBase: z.string(),
  guestBase: z.string(),
  /** The file this agent runs from and the Node running it (process.execPath): what a quick start ran. */
  agentFile: z.string(),
  nodePath: z.string(),
});

// Migration (docs/architecture.md, "Migration"): the calls a coordinator makes of the source's and
// the target's agents. Each names its migration; the guest's marker and the agent's lock name it too.
export const migrationIdSchema = z.string().regex(/^m-[0-9a-z]{8,40}$/, 'a migration id is m- and 8 to 40 lower-case letters or digits');

/** leaving: the source is being switched; arriving: the target's copy is not verified yet; moved: the source's copy is disabled. */
export const MIGRATION_MARKER_STATES = ['leaving', 'arriving', 'moved'] as const;
export const migrationMarkerStateSchema = z.enum(MIGRATION_MARKER_STATES);
export const migrationMarkerSchema = z.object({
  migration: migrationIdSchema,
  state: migrationMarkerStateSchema,
  /** The other host of the migration, as the coordinator names it (registry name). */
  peer: z.string().min(1).max(253),
  since: z.number(),
  /** The autostart mark (apps/init/mark) the source carried before it was disabled, for a rollback. */
  mark: z.string().max(64).optional(),
});
export type MigrationMarker = z.infer<typeof migrationMarkerSchema>;

const migrationGuestParams = { migration: migrationIdSchema, name: guestNameSchema };
/** A host the coordinator names to an agent: its registry name, an address the other host reaches and the SSH port. */
export const peerNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'a host name is letters, digits, ".", "_" and "-"');
export const addressSchema = z.string().max(253).regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, 'an address is a host name or an IP address');
/** One line of an OpenSSH public key: type and base64 blob, nothing else (no options, no comment). */
export const sshPublicKeySchema = z.string().max(16_384).regex(/^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,2}$/, 'an SSH public key is its type and its base64 blob');

/** start and stop: `migration` lets the migration holding the guest act on it (and start through its own marker); `force` starts through any marker. */
export const startParamsSchema = z.object({ name: guestNameSchema, force: z.boolean().optional(), migration: migrationIdSchema.optional() }).strict();
export const stopParamsSchema = z.object({
  name: guestNameSchema,
  migration: migrationIdSchema.optional(),
  /** Every process killed at once, no stop sequence: a migration's frozen source, whose init cannot act on a signal. */
  kill: z.boolean().optional(),
}).strict();
export const deleteParamsSchema = z.object({ name: guestNameSchema, migration: migrationIdSchema.optional() }).strict();

export const migrationGuestParamsSchema = z.object(migrationGuestParams).strict();

export const migrationInspectResultSchema = z.object({
  config: guestConfigSchema,
  status: guestStatusSchema,
  /** Bytes the root and the configuration take on disk (du). */
  sizeBytes: z.number().nonnegative(),
  /** For each of the guest's addresses, the MAC of the host device that answers for it (proxy ARP), when there is one. */
  answeringMacs: z.array(z.object({ ip: z.string(), mac: z.string() })),
  marker: migrationMarkerSchema.optional(),
});

export const migrationProbeParamsSchema = z.object({
  name: guestNameSchema,
  xid: xidSchema,
  ips: z.array(z.string().max(45)).max(16),
  bcapabilities: z.array(z.string().max(64)).max(64),
  /** MACs whose ARP answers are the guest's current home, not a conflict. */
  ownMacs: z.array(z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'a MAC is six lower-case hex pairs')).max(16),
}).strict();

export const migrationProbeResultSchema = z.object({
  nameFree: z.boolean(),
  nameDetail: z.string().optional(),
  xidFree: z.boolean(),
  xidOwner: z.string().optional(),
  /** A context id free on this host, when the requested one is not. */
  proposedXid: xidSchema.optional(),
  /** Addresses another machine of this host's network answers for (arping -D). */
  addressesInUse: z.array(z.object({ ip: z.string(), mac: z.string() })),
  /** Addresses outside every subnet of this host's interfaces. */
  addressesOffSubnet: z.array(z.string()),
  unsupportedCapabilities: z.array(z.string()),
  diskFree: z.number().nonnegative(),
  /** Why this host cannot take a direct transfer (rrsync missing, sshd's authorized_keys not found), if it cannot. */
  directTransportProblem: z.string().optional(),
});

export const migrationPrepareParamsSchema = z.object({
  ...migrationGuestParams,
  /** The source's address as this host sees it: the key is authorised from there only. */
  from: addressSchema,
  /** Absent for a relayed transfer: then no key is authorised, only the staging directory made. */
  publicKey: sshPublicKeySchema.optional(),
}).strict();

export const migrationTransferTargetParams = {
  ...migrationGuestParams,
  address: addressSchema,
  port: z.number().int().min(1).max(65535),
  /** The target's host key as the workstation verified it, for the source's known_hosts. */
  hostKey: sshPublicKeySchema,
};
export const migrationReachParamsSchema = z.object(migrationTransferTargetParams).strict();
export const migrationReachResultSchema = z.object({
  reachable: z.boolean(),
  /** ssh's reason when it could not log in (a timeout when the hosts cannot reach each other). */
  detail: z.string(),
  durationMs: z.number().nonnegative(),
});

export const migrationSyncParamsSchema = z.object({
  ...migrationTransferTargetParams,
  /** Through the core's relay (its channels to both hosts) rather than over SSH to address:port. */
  relay: z.boolean().optional(),
}).strict();

/** A path below a guest root as the transfer names it: relative, no "..", no NUL. */
const rootRelativePathSchema = z.string().min(1).max(4096)
  .refine((path) => !path.startsWith('/') && !path.includes('\0') && !path.split('/').includes('..'), 'a path below the guest root is relative and has no ".." component');
const nanosecondsSchema = z.string().regex(/^\d{1,25}$/, 'a time in nanoseconds is digits');

/**
 * The device nodes and fifos of a guest root, which the target's rrsync refuses to create
 * (--drop-D below a restricted directory): the target makes them itself on arrival, with the
 * modification times of their directories put back afterwards.
 */
export const specialFilesSchema = z.object({
  files: z.array(z.object({
    path: rootRelativePathSchema,
    type: z.enum(['c', 'b', 'p']),
    mode: z.number().int().min(0).max(0o7777),
    uid: z.number().int().nonnegative(),
    gid: z.number().int().nonnegative(),
    major: z.number().int().nonnegative(),
    minor: z.number().int().nonnegative(),
    mtimeNs: nanosecondsSchema,
  }).strict()).max(5_000),
  directories: z.array(z.object({ path: z.string().max(4096), mtimeNs: nanosecondsSchema }).strict()).max(5_000),
}).strict();
export type SpecialFiles = z.infer<typeof specialFilesSchema>;

export const migrationSyncResultSchema = z.object({
  /** This round's device nodes and fifos of the root (rsync does not carry them to a restricted rrsync). */
  specials: specialFilesSchema,
  /** Bytes rsync sent over the wire (both trees). */
  bytesSent: z.number().nonnegative(),
  /** Bytes of file data that changed (rsync's literal data): the delta of this round. */
  literalBytes: z.number().nonnegative(),
  filesTransferred: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});

export const migrationArriveParamsSchema = z.object({
  ...migrationGuestParams,
  /** The source host (registry name), recorded in the marker. */
  from: peerNameSchema,
  xid: xidSchema,
  /** The final round's device nodes and fifos, made in the root before it becomes the guest's. */
  specials: specialFilesSchema,
  /** Also start the arrived copy, in the same call (a running guest's migration; the start skips the address probe). */
  start: z.boolean().optional(),
}).strict();

export const migrationMarkParamsSchema = z.object({
  ...migrationGuestParams,
  /** null clears the marker (it must be this migration's). */
  state: migrationMarkerStateSchema.nullable(),
  peer: peerNameSchema,
}).strict();

export const migrationFreezeParamsSchema = z.object({ ...migrationGuestParams, frozen: z.boolean() }).strict();

export const migrationAnnounceResultSchema = z.object({ announced: z.array(z.object({ ip: z.string(), device: z.string() })) });

export const migrationVerifyParamsSchema = z.object({
  ...migrationGuestParams,
  port: z.number().int().min(1).max(65535).optional(),
  timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
}).strict();

export const migrationVerifyResultSchema = z.object({
  initAlive: z.boolean(),
  initPid: z.number().int().positive().optional(),
  port: z.object({ port: z.number().int(), address: z.string(), open: z.boolean(), error: z.string().optional() }).optional(),
});

export const migrationCleanupParamsSchema = z.object({
  ...migrationGuestParams,
  /** Also stop and remove the guest here when it is this migration's unfinished arrival (a rollback or an abort on the target). */
  discardArrival: z.boolean().default(false),
}).strict();

export const migrationCleanupResultSchema = z.object({
  removed: z.array(z.string()),
});

export const migrationListResultSchema = z.object({
  markers: z.array(z.object({ name: guestNameSchema, marker: migrationMarkerSchema, running: z.boolean() })),
  /** Migrations with a staging directory, a transfer key or an authorised key on this host. */
  staging: z.array(migrationIdSchema),
  keys: z.array(migrationIdSchema),
  authorized: z.array(migrationIdSchema),
  /** Guests this agent process holds for a migration. */
  held: z.array(z.object({ name: guestNameSchema, migration: migrationIdSchema })),
});

export const migrationProgressEventSchema = z.object({
  migration: migrationIdSchema,
  name: guestNameSchema,
  bytes: z.number().nonnegative(),
  rateBytesPerSecond: z.number().nonnegative(),
  percent: z.number().min(0).max(100).optional(),
  secondsLeft: z.number().nonnegative().optional(),
  time: z.number(),
});
