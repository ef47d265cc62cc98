// Every RPC method of the host agent: its params and result schemas, and the pushed events.
// The agent validates params with these before acting; the fleet core validates results.
// Names are stable once published: add fields and methods, never rename.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';
import type {
  GuestConfig, GuestLimitUsage, GuestSample, GuestStatus, HostInfo, HostSample, StatRow,
} from '../domain/guest';
import {
  guestNameSchema, markSchema, xidSchema, ipAddressSchema, prefixSchema, deviceNameSchema, guestInterfaceSpecSchema,
  byteCountSchema, sizeSchema, safePathSchema, rsyncSourceSchema, nodenameSchema, domainnameSchema,
  linuxCapabilitySchema, contextCapabilitySchema, contextFlagSchema, cpuSetSchema, processCountSchema, ioWeightSchema,
  fillRateSchema, intervalSchema, cpuFractionSchema,
} from '../validation';

const driverNameSchema = z.enum(['namespaces', 'vserver']);
const cgroupVersionSchema = z.union([z.literal(1), z.literal(2)]);
export const guestStateSchema = z.enum(['running', 'stopped']);
const loadSchema = z.tuple([z.number(), z.number(), z.number()]);
const noParamsSchema = z.object({}).strict().optional();
const nameParamsSchema = z.object({ name: guestNameSchema }).strict();
const emptyResultSchema = z.object({}).strict();

export const guestInterfaceSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/),
  ip: ipAddressSchema,
  prefix: prefixSchema,
  dev: deviceNameSchema,
});

export const guestLimitsSchema = z.object({
  memoryHard: byteCountSchema.optional(),
  memorySoft: byteCountSchema.optional(),
  processes: processCountSchema.optional(),
  cpuFillRate: fillRateSchema.optional(),
  cpuInterval: intervalSchema.optional(),
  cpuSet: cpuSetSchema.optional(),
  ioWeight: ioWeightSchema.optional(),
});

export const guestConfigSchema = z.object({
  name: guestNameSchema,
  xid: xidSchema,
  nodename: z.string(),
  domainname: z.string(),
  interfaces: z.array(guestInterfaceSchema),
  initStyle: z.enum(['plain', 'sysv']),
  mark: z.string(),
  bcapabilities: z.array(z.string()),
  ccapabilities: z.array(z.string()),
  cflags: z.array(z.string()),
  limits: guestLimitsSchema,
  rootDir: z.string(),
});

export const guestStatusSchema = z.object({
  name: guestNameSchema,
  xid: xidSchema,
  state: guestStateSchema,
  initPid: z.number().int().positive().optional(),
  processes: z.number().int().nonnegative(),
  uptimeMs: z.number().nonnegative().optional(),
});

export const guestLimitUsageSchema = z.object({
  limits: guestLimitsSchema,
  memoryCurrent: z.number().nonnegative(),
  memoryPeak: z.number().nonnegative(),
  memoryHits: z.number().nonnegative(),
  oomKills: z.number().nonnegative(),
  processesCurrent: z.number().nonnegative(),
  processesHits: z.number().nonnegative(),
  cpuUsageUsec: z.number().nonnegative(),
  throttledUsec: z.number().nonnegative(),
});

export const guestSampleSchema = z.object({
  name: guestNameSchema,
  xid: xidSchema,
  state: guestStateSchema,
  cpuUsageUsec: z.number().nonnegative(),
  rssBytes: z.number().nonnegative(),
  processes: z.number().int().nonnegative(),
  memoryHits: z.number().nonnegative(),
  processesHits: z.number().nonnegative(),
  oomKills: z.number().nonnegative(),
});

export const hostSampleSchema = z.object({
  time: z.number(),
  cpuBusyFraction: z.number().min(0).max(1),
  memoryTotal: z.number().nonnegative(),
  memoryAvailable: z.number().nonnegative(),
  load: loadSchema,
  diskTotal: z.number().nonnegative(),
  diskFree: z.number().nonnegative(),
  guests: z.array(guestSampleSchema),
});

export const hostInfoSchema = z.object({
  hostname: z.string(),
  kernel: z.string(),
  driver: driverNameSchema,
  cgroupVersion: cgroupVersionSchema,
  cpus: z.number().int().positive(),
  memoryTotal: z.number().nonnegative(),
  memoryAvailable: z.number().nonnegative(),
  load: loadSchema,
  guestBase: z.string(),
  configBase: z.string(),
  diskTotal: z.number().nonnegative(),
  diskFree: z.number().nonnegative(),
  agentVersion: z.string(),
  nodeVersion: z.string(),
});

export const statRowSchema = z.object({
  xid: z.number().int().nonnegative(),
  processes: z.number().int().nonnegative(),
  vszBytes: z.number().nonnegative(),
  rssBytes: z.number().nonnegative(),
  userMs: z.number().nonnegative(),
  sysMs: z.number().nonnegative(),
  uptimeMs: z.number().nonnegative(),
  name: z.string(),
});

/** One process as vps shows it: the CONTEXT column is xid + guest name (MAIN for the host). */
export const psRowSchema = z.object({
  pid: z.number().int().positive(),
  ppid: z.number().int().nonnegative(),
  xid: z.number().int().nonnegative(),
  context: z.string(),
  user: z.string(),
  state: z.string(),
  rssBytes: z.number().nonnegative(),
  command: z.string(),
});
export type PsRow = z.infer<typeof psRowSchema>;

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
    initStyle: z.enum(['plain', 'sysv']).default('plain'),
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

export const execParamsSchema = z
  .object({
    name: guestNameSchema,
    argv: z.array(z.string().max(65536)).min(1, 'exec needs a command').max(4096),
    tty: z.boolean().default(false),
    env: execEnvSchema.optional(),
    cwd: safePathSchema.optional(),
    cols: z.number().int().min(1).max(1000).optional(),
    rows: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const enterParamsSchema = z
  .object({
    name: guestNameSchema,
    cols: z.number().int().min(1).max(1000).optional(),
    rows: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a session id');
export const execStartedSchema = z.object({ session: sessionIdSchema, pid: z.number().int().positive() });

export const SIGNAL_NAMES = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGKILL', 'SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGWINCH'] as const;

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

export const limitResultSchema = z.object({
  name: guestNameSchema,
  running: z.boolean(),
  /** True when the new limits were also applied to the running guest. */
  appliedLive: z.boolean(),
  usage: guestLimitUsageSchema,
});

export const capsResultSchema = z.object({
  name: guestNameSchema,
  bcapabilities: z.array(z.string()),
  ccapabilities: z.array(z.string()),
  running: z.boolean(),
  /** Capabilities take effect at the next start of the guest. */
  appliesAtNextStart: z.literal(true),
});

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

/** A guest whose configuration could not be read: it exists, but nothing else about it is known. */
export const unreadableGuestSchema = z.object({ name: z.string(), error: z.string() });
export type UnreadableGuest = z.infer<typeof unreadableGuestSchema>;

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

export const agentMethods = {
  hello: {
    params: z.object({ client: z.string().max(128).optional(), protocolVersion: z.number().int().optional() }).strict().optional(),
    result: helloResultSchema,
  },
  info: { params: noParamsSchema, result: hostInfoSchema },
  list: { params: noParamsSchema, result: z.object({ guests: z.array(guestListEntrySchema), unreadable: z.array(unreadableGuestSchema).optional() }) },
  status: { params: nameParamsSchema, result: guestStatusSchema },
  build: { params: buildParamsSchema, result: z.object({ config: guestConfigSchema }) },
  start: { params: nameParamsSchema, result: guestStatusSchema },
  stop: { params: nameParamsSchema, result: guestStatusSchema },
  restart: { params: nameParamsSchema, result: guestStatusSchema },
  startMarked: { params: z.object({ mark: markSchema }).strict(), result: markedStartResultSchema },
  /** Output arrives as execOutput events, the end as one execExit event. */
  exec: { params: execParamsSchema, result: execStartedSchema },
  /** An interactive shell with a pty; same events as exec. */
  enter: { params: enterParamsSchema, result: execStartedSchema },
  stdin: {
    params: z.object({ session: sessionIdSchema, data: z.string().max(1_000_000).optional(), eof: z.boolean().optional() }).strict(),
    result: emptyResultSchema,
  },
  resize: {
    params: z.object({ session: sessionIdSchema, cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) }).strict(),
    result: emptyResultSchema,
  },
  signal: {
    params: z.object({ session: sessionIdSchema, signal: z.enum(SIGNAL_NAMES) }).strict(),
    result: emptyResultSchema,
  },
  stat: { params: noParamsSchema, result: z.object({ rows: z.array(statRowSchema), unreadable: z.array(unreadableGuestSchema).optional() }) },
  ps: {
    params: z.object({ name: guestNameSchema.optional() }).strict().optional(),
    result: z.object({ rows: z.array(psRowSchema), unreadable: z.array(unreadableGuestSchema).optional() }),
  },
  limitGet: { params: nameParamsSchema, result: limitResultSchema },
  limitSet: { params: z.object({ name: guestNameSchema, limits: limitChangesSchema }).strict(), result: limitResultSchema },
  capsGet: { params: nameParamsSchema, result: capsResultSchema },
  capsSet: {
    params: z
      .object({
        name: guestNameSchema,
        add: z.array(linuxCapabilitySchema).max(64).default([]),
        drop: z.array(linuxCapabilitySchema).max(64).default([]),
        ccapAdd: z.array(contextCapabilitySchema).max(64).default([]),
        ccapDrop: z.array(contextCapabilitySchema).max(64).default([]),
      })
      .strict(),
    result: capsResultSchema,
  },
  unameGet: { params: nameParamsSchema, result: unameResultSchema },
  unameSet: {
    params: z
      .object({
        name: guestNameSchema,
        nodename: nodenameSchema.optional(),
        domainname: domainnameSchema.optional(),
        flagAdd: z.array(contextFlagSchema).max(32).default([]),
        flagDrop: z.array(contextFlagSchema).max(32).default([]),
      })
      .strict(),
    result: unameResultSchema,
  },
  delete: { params: nameParamsSchema, result: z.object({ name: guestNameSchema, deleted: z.literal(true) }) },
  /** Result: the current state of every guest, the baseline that guestState events change. */
  subscribe: { params: subscribeParamsSchema, result: z.object({ guests: z.array(guestStatusSchema) }) },
  unsubscribe: { params: noParamsSchema, result: emptyResultSchema },
} as const;

export type AgentMethodName = keyof typeof agentMethods;
export type AgentParams<M extends AgentMethodName> = z.input<(typeof agentMethods)[M]['params']>;
export type AgentParsedParams<M extends AgentMethodName> = z.output<(typeof agentMethods)[M]['params']>;
export type AgentResult<M extends AgentMethodName> = z.infer<(typeof agentMethods)[M]['result']>;

export function isAgentMethod(method: string): method is AgentMethodName {
  return Object.prototype.hasOwnProperty.call(agentMethods, method);
}

/** A guest's state changed (seen in the kernel, whoever changed it); deleted = its config is gone. */
export const guestStateEventSchema = z.object({
  name: guestNameSchema,
  xid: xidSchema,
  state: z.enum(['running', 'stopped', 'deleted']),
  previous: z.enum(['running', 'stopped', 'deleted', 'unknown']),
  initPid: z.number().int().positive().optional(),
  time: z.number(),
});

export const execOutputEventSchema = z.object({
  session: sessionIdSchema,
  stream: z.enum(['stdout', 'stderr']),
  /** base64 of the raw bytes. */
  data: z.string(),
});

export const execExitEventSchema = z.object({
  session: sessionIdSchema,
  /** Exit code; 128 + signal number when killed by a signal. */
  code: z.number().int(),
});

/** A health sample as sent: guests whose configuration or counters could not be read are named, not dropped. */
export const healthSampleEventSchema = hostSampleSchema.extend({
  unreadable: z.array(unreadableGuestSchema).optional(),
});

/** Something the agent did for a subscriber failed as a whole (e.g. a health sample); the subscription goes on. */
export const agentErrorEventSchema = z.object({
  source: z.enum(['healthSample']),
  message: z.string(),
  time: z.number(),
});

export const agentEvents = {
  guestState: guestStateEventSchema,
  healthSample: healthSampleEventSchema,
  agentError: agentErrorEventSchema,
  execOutput: execOutputEventSchema,
  execExit: execExitEventSchema,
} as const;

export type AgentEventName = keyof typeof agentEvents;
export type AgentEventData<E extends AgentEventName> = z.infer<(typeof agentEvents)[E]>;

// The wire schemas must describe exactly the domain types: a drift fails the type check here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type SchemaMatchesDomain = [
  Assert<Same<z.infer<typeof guestConfigSchema>, GuestConfig>>,
  Assert<Same<z.infer<typeof guestStatusSchema>, GuestStatus>>,
  Assert<Same<z.infer<typeof guestLimitUsageSchema>, GuestLimitUsage>>,
  Assert<Same<z.infer<typeof guestSampleSchema>, GuestSample>>,
  Assert<Same<z.infer<typeof hostSampleSchema>, HostSample>>,
  Assert<Same<z.infer<typeof hostInfoSchema>, HostInfo>>,
  Assert<Same<z.infer<typeof statRowSchema>, StatRow>>,
];

/** A validation outcome with the problems in one admin-readable line. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

function check<T>(schema: z.ZodType, value: unknown): Checked<T> {
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data as T } : { ok: false, problem: describeIssues(parsed.error) };
}

export function checkAgentParams<M extends AgentMethodName>(method: M, params: unknown): Checked<AgentParsedParams<M>> {
  return check(agentMethods[method].params, params);
}

export function checkAgentResult<M extends AgentMethodName>(method: M, result: unknown): Checked<AgentResult<M>> {
  return check(agentMethods[method].result, result);
}

export function checkAgentEvent<E extends AgentEventName>(event: E, data: unknown): Checked<AgentEventData<E>> {
  return check(agentEvents[event], data);
}
