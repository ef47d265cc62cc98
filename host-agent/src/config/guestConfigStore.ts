// A guest's configuration in util-vserver's layout under <configBase>/<name>/, read as a real
// VServer host writes it and written back file by file, each file replaced atomically.
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GuestConfig, GuestInterface, GuestLimits, InitStyle } from '../../../shared/domain/guest';
import { guestConfigSchema, guestInterfaceSchema } from '../../../shared/domain/guest';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { xidSchema } from '../../../shared/validation';
import { pagesToBytes, bytesToPages } from '../vserverFormats/pages';
import { parseRlimitValue } from '../vserverFormats/rlimitValue';
import { DEFAULT_GUEST_FSTAB } from '../drivers/namespaces/launch/guestFstab';
import { guestError } from '../errors/agentError';
import { symlinkAtomic } from './atomicFile';
import {
  boundingSetFromLines, contextCapabilitiesFromLines, contextFlagsFromLines, linesFromBoundingSet, linesFromContextCapabilities, linesFromContextFlags,
} from './capabilityLists';
import { isMissing, listSubdirectories, readList, readScalar, writeList, writeScalar } from './configValueFiles';

/** vfleet's own per-guest settings without a util-vserver file live in this sub-folder. */
export const VFLEET_GUEST_SUBDIR = 'vfleet';


async function readRlimit(directory: string, resource: string, kind: 'hard' | 'soft'): Promise<number | 'inf' | undefined> {
  // A bare <res> file sets min, soft and hard at once (vlimit readFromDir); <res>.<kind> overrides.
  const text = (await readScalar(directory, 'rlimits', `${resource}.${kind}`)) ?? (await readScalar(directory, 'rlimits', resource));
  if (text === undefined || text === '') return undefined;
  return parseRlimitValue(text);
}

function finite(value: number | 'inf' | undefined): number | undefined {
  return value === 'inf' ? undefined : value;
}

function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value > 0 ? value : undefined;
}

async function readSchedule(directory: string): Promise<{ fillRate?: number; interval?: number }> {
  const fillRate = positiveInteger(await readScalar(directory, 'sched', 'fill-rate'));
  const interval = positiveInteger(await readScalar(directory, 'sched', 'interval'));
  if (fillRate !== undefined || interval !== undefined) return { fillRate, interval };
  // The deprecated six-line `schedule` file starts with fill-rate and interval.
  const legacy = await readList(directory, 'schedule');
  return { fillRate: positiveInteger(legacy?.[0]), interval: positiveInteger(legacy?.[1]) };
}

async function readLimits(directory: string): Promise<GuestLimits> {
  const memoryHard = finite(await readRlimit(directory, 'rss', 'hard'));
  const memorySoft = finite(await readRlimit(directory, 'rss', 'soft'));
  const processes = finite(await readRlimit(directory, 'nproc', 'hard'));
  const schedule = await readSchedule(directory);
  const limits: GuestLimits = {};
  if (memoryHard !== undefined) limits.memoryHard = pagesToBytes(memoryHard);
  if (memorySoft !== undefined) limits.memorySoft = pagesToBytes(memorySoft);
  if (processes !== undefined && processes > 0) limits.processes = processes;
  if (schedule.fillRate !== undefined && schedule.interval !== undefined) {
    limits.cpuFillRate = schedule.fillRate;
    limits.cpuInterval = schedule.interval;
  }
  const cpuSet = await readScalar(directory, 'cpuset', 'cpus');
  if (cpuSet) limits.cpuSet = cpuSet;
  const ioWeight = positiveInteger(await readScalar(directory, VFLEET_GUEST_SUBDIR, 'io-weight'));
  if (ioWeight !== undefined) limits.ioWeight = ioWeight;
  return limits;
}

function prefixFromMask(mask: string): number | undefined {
  const octets = mask.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255)) return undefined;
  const bits = octets.map((octet) => octet.toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined;
}

async function readPrefix(directory: string): Promise<number | undefined> {
  const prefix = await readScalar(directory, 'prefix');
  if (prefix !== undefined && /^\d+$/.test(prefix)) return Number(prefix);
  const mask = await readScalar(directory, 'mask');
  return mask === undefined ? undefined : prefixFromMask(mask);
}

async function readInterfaces(directory: string): Promise<GuestInterface[]> {
  const interfacesDir = join(directory, 'interfaces');
  const defaultDev = (await readScalar(interfacesDir, 'dev')) ?? '';
  const defaultPrefix = await readPrefix(interfacesDir);
  const interfaces: GuestInterface[] = [];
  for (const id of await listSubdirectories(interfacesDir)) {
    const interfaceDir = join(interfacesDir, id);
    const ip = await readScalar(interfaceDir, 'ip');
    if (!ip) continue;
    const disabled = (await readTextPresence(join(interfaceDir, 'disabled')));
    if (disabled) continue;
    const nodev = await readTextPresence(join(interfaceDir, 'nodev'));
    interfaces.push({
      id,
      ip,
      prefix: (await readPrefix(interfaceDir)) ?? defaultPrefix ?? (ip.includes(':') ? 64 : 24),
      dev: nodev ? '' : ((await readScalar(interfaceDir, 'dev')) ?? defaultDev),
    });
  }
  return interfaces;
}

async function readTextPresence(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

async function readRootDir(directory: string, guestBase: string, name: string): Promise<string> {
  try {
    return resolve(directory, await fs.readlink(join(directory, 'vdir')));
  } catch (error) {
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EINVAL') return join(guestBase, name);
    throw error;
  }
}

export function guestConfigDir(configBase: string, name: string): string {
  return join(configBase, name);
}

/** Reads /etc/vservers/<name>/ into a GuestConfig; a missing directory is a "not found" error. */
export async function readGuestConfig(configBase: string, guestBase: string, name: string): Promise<GuestConfig> {
  const directory = guestConfigDir(configBase, name);
  const stat = await fs.stat(directory).catch((error: unknown) => {
    if (isMissing(error)) return undefined;
    throw error;
  });
  if (!stat?.isDirectory()) throw guestError(ERROR_CODES.notFound, name, `no such guest (no configuration in ${directory})`);
  const contextText = await readScalar(directory, 'context');
  const xid = xidSchema.safeParse(Number(contextText));
  if (contextText === undefined || !xid.success) {
    throw guestError(
      ERROR_CODES.failed,
      name,
      contextText === undefined
        ? `${join(directory, 'context')} is missing: the guest needs a static context id between 2 and 49151`
        : `${join(directory, 'context')} holds '${contextText}', not a static context id between 2 and 49151`,
    );
  }
  const style = await readScalar(directory, 'apps', 'init', 'style');
  return checkedConfig(directory, {
    name,
    xid: xid.data,
    nodename: (await readScalar(directory, 'uts', 'nodename')) ?? (await readScalar(directory, 'hostname')) ?? name,
    domainname: (await readScalar(directory, 'uts', 'domainname')) ?? (await readScalar(directory, 'domainname')) ?? '',
    interfaces: await readInterfaces(directory),
    initStyle: (style === 'plain' ? 'plain' : 'sysv') satisfies InitStyle,
    mark: (await readScalar(directory, 'apps', 'init', 'mark')) ?? '',
    bcapabilities: boundingSetFromLines((await readList(directory, 'bcapabilities')) ?? []),
    ccapabilities: contextCapabilitiesFromLines((await readList(directory, 'ccapabilities')) ?? []),
    cflags: contextFlagsFromLines((await readList(directory, 'cflags')) ?? (await readList(directory, 'flags')) ?? []),
    limits: await readLimits(directory),
    rootDir: await readRootDir(directory, guestBase, name),
  });
}

/** The config as read, or an error naming the file and the value the protocol (and so the client) cannot take. */
function checkedConfig(directory: string, config: GuestConfig): GuestConfig {
  for (const guestInterface of config.interfaces) {
    const issue = guestInterfaceSchema.safeParse(guestInterface).error?.issues[0];
    if (!issue) continue;
    const field = String(issue.path[0]) as keyof GuestInterface;
    const interfaceDir = join(directory, 'interfaces', guestInterface.id);
    const hint = field === 'ip' && guestInterface.ip.includes('/') ? ` (the prefix length goes in ${join(interfaceDir, 'prefix')})` : '';
    throw guestError(ERROR_CODES.failed, config.name, `${join(interfaceDir, field)} holds '${String(guestInterface[field])}': ${issue.message}${hint}`);
  }
  const issue = guestConfigSchema.safeParse(config).error?.issues[0];
  if (issue) {
    const value = issue.path.reduce<unknown>((at, key) => (at as Record<PropertyKey, unknown> | undefined)?.[key], config);
    throw guestError(ERROR_CODES.failed, config.name, `${directory}: its ${issue.path.join('.')} '${String(value)}' is not valid: ${issue.message}`);
  }
  return config;
}

/** Writes the limit files; an undefined limit removes its file(s). Memory goes to disk in pages. */
export async function writeGuestLimits(directory: string, limits: GuestLimits): Promise<void> {
  // A bare rss/nproc file would shadow the .hard/.soft files written here.
  await fs.rm(join(directory, 'rlimits', 'rss'), { force: true });
  await fs.rm(join(directory, 'rlimits', 'nproc'), { force: true });
  await writeScalar(directory, 'rlimits/rss.hard', limits.memoryHard === undefined ? undefined : bytesToPages(limits.memoryHard));
  await writeScalar(directory, 'rlimits/rss.soft', limits.memorySoft === undefined ? undefined : bytesToPages(limits.memorySoft));
  await writeScalar(directory, 'rlimits/nproc.hard', limits.processes);
  const hasBucket = limits.cpuFillRate !== undefined && limits.cpuInterval !== undefined;
  await writeScalar(directory, 'sched/fill-rate', hasBucket ? limits.cpuFillRate : undefined);
  await writeScalar(directory, 'sched/interval', hasBucket ? limits.cpuInterval : undefined);
  await writeScalar(directory, 'cpuset/cpus', limits.cpuSet);
  await writeScalar(directory, `${VFLEET_GUEST_SUBDIR}/io-weight`, limits.ioWeight);
}

export async function writeGuestCapabilities(directory: string, config: Pick<GuestConfig, 'bcapabilities' | 'ccapabilities'>): Promise<void> {
  await writeList(directory, 'bcapabilities', linesFromBoundingSet(config.bcapabilities));
  await writeList(directory, 'ccapabilities', linesFromContextCapabilities(config.ccapabilities));
}

export async function writeGuestUts(directory: string, config: Pick<GuestConfig, 'nodename' | 'domainname' | 'cflags'>): Promise<void> {
  await writeScalar(directory, 'uts/nodename', config.nodename);
  await writeScalar(directory, 'uts/domainname', config.domainname === '' ? undefined : config.domainname);
  await writeList(directory, 'cflags', linesFromContextFlags(config.cflags));
}

async function writeInterfaces(directory: string, interfaces: GuestInterface[]): Promise<void> {
  await fs.rm(join(directory, 'interfaces'), { recursive: true, force: true });
  await fs.mkdir(join(directory, 'interfaces'), { recursive: true });
  for (const guestInterface of interfaces) {
    const interfaceDir = `interfaces/${guestInterface.id}`;
    await writeScalar(directory, `${interfaceDir}/ip`, guestInterface.ip);
    await writeScalar(directory, `${interfaceDir}/prefix`, guestInterface.prefix);
    await writeScalar(directory, `${interfaceDir}/dev`, guestInterface.dev === '' ? undefined : guestInterface.dev);
  }
}

/** Writes a whole configuration directory (used by build, into a temporary directory). */
export async function writeGuestConfig(directory: string, config: GuestConfig): Promise<void> {
  await fs.mkdir(directory, { recursive: true });
  await writeScalar(directory, 'context', config.xid);
  await writeScalar(directory, 'name', config.name);
  await writeGuestUts(directory, config);
  await writeInterfaces(directory, config.interfaces);
  await writeScalar(directory, 'apps/init/style', config.initStyle);
  await writeScalar(directory, 'apps/init/mark', config.mark === '' ? undefined : config.mark);
  await writeGuestCapabilities(directory, config);
  await writeGuestLimits(directory, config.limits);
  await symlinkAtomic(config.rootDir, join(directory, 'vdir'));
  const fstab = join(directory, 'fstab');
  if (!(await readTextPresence(fstab))) await writeScalar(directory, 'fstab', DEFAULT_GUEST_FSTAB.trimEnd());
}

/** Guest names in the configuration base: every directory not starting with "." (util-vserver). */
export async function listGuestNames(configBase: string): Promise<string[]> {
  return (await listSubdirectories(configBase)).filter((name) => !name.startsWith('.'));
}
