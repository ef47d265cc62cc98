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
});
