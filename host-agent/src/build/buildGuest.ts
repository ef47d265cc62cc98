// `build`: makes a guest root and its configuration in temporary directories and renames both
// into place only when everything succeeded, so a failed or interrupted build leaves nothing.
// What a tool left mounted in a temporary root (debootstrap's /proc, /sys, /dev/pts) is detached
// before the root is removed, so the removal never reaches into another filesystem.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { GuestConfig } from '../../../shared/domain/guest';
import type { BuildParams } from '../../../shared/protocol/schemas';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { DEFAULT_CFLAGS, SECURE_BCAPABILITIES, SECURE_CCAPABILITIES } from '../../../shared/validation';
import { writeGuestConfig } from '../config/guestConfigStore';
import { guestError } from '../errors/agentError';
import { GuestRoot } from '../guestRoot/guestRoot';
import type { AgentPaths } from '../host/agentPaths';
import { isProcessAlive } from '../locks/processIdentity';
import { readMountPointsBelow } from '../host/mountTable';
import { findExecutable, runTool } from '../process/runTool';
import { buildBusyboxRoot } from './busyboxRoot';
import { copyTemplate, debootstrapRoot, rsyncRoot } from './copyRoot';
import { completeGuestSkeleton } from './guestSkeleton';
import { assertIdentityFree } from './hostUniqueness';

const TEMP_PREFIX = '.vfleet-build-';

export interface BuildEnvironment {
  paths: AgentPaths;
  /** All configured guests, for the uniqueness checks. */
  readConfigs(): Promise<GuestConfig[]>;
  /** Runs the final check-and-rename under the host-wide build lock. */
  withBuildLock<T>(action: () => Promise<T>): Promise<T>;
}

function temporaryName(name: string): string {
  return `${TEMP_PREFIX}${process.pid}-${Date.now().toString(36)}-${name}`;
}

/** Removes a tree the build made, after detaching every mount below it (lazily, deepest first). */
async function removeBuildTree(path: string): Promise<void> {
  const real = await fs.realpath(path).catch(() => undefined);
  if (real === undefined) return;
  const mounted = await readMountPointsBelow(real);
  if (mounted.length > 0) {
    const umount = findExecutable('umount');
    if (!umount) throw new Error(`${mounted.join(', ')} ${mounted.length > 1 ? 'are' : 'is'} still mounted in ${path} and umount is not installed; unmount and remove it by hand`);
    for (const point of mounted) await runTool(umount, ['--lazy', '--no-canonicalize', point]);
  }
  await fs.rm(path, { recursive: true, force: true });
}

/** Removes temporary build directories whose building process has died (e.g. was SIGKILLed). */
export async function sweepAbandonedBuilds(paths: AgentPaths): Promise<void> {
  for (const directory of [paths.guestBase, join(paths.stateDir, 'builds')]) {
    const entries = await fs.readdir(directory).catch(() => [] as string[]);
    for (const entry of entries) {
      const pid = Number(/^\.vfleet-build-(\d+)-/.exec(entry)?.[1]);
      if (Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid)) await removeBuildTree(join(directory, entry));
    }
  }
}

function newGuestConfig(params: BuildParams, rootDir: string): GuestConfig {
  return {
    name: params.name,
    xid: params.xid,
    nodename: params.hostname ?? params.name,
    domainname: params.domainname ?? '',
    interfaces: params.interfaces.map((spec, index) => ({ id: String(index), ip: spec.ip, prefix: spec.prefix, dev: spec.dev })),
    initStyle: params.initStyle,
    mark: params.mark ?? '',
    bcapabilities: [...SECURE_BCAPABILITIES],
    ccapabilities: [...SECURE_CCAPABILITIES],
    cflags: [...DEFAULT_CFLAGS],
    limits: {},
    rootDir,
  };
}

function assertToolPresent(name: string, guest: string, method: string, debianPackage: string): void {
  if (!findExecutable(name)) {
    throw guestError(ERROR_CODES.unsupported, guest, `build method ${method} needs '${name}', which is not installed (Debian package ${debianPackage})`);
  }
}

/** Fills the new root: the copying tools write into it themselves, everything else through `guestRoot`. */
async function populateRoot(params: BuildParams, guestRoot: GuestRoot, excludes: string[], signal: AbortSignal): Promise<void> {
  const root = guestRoot.path;
  switch (params.method) {
    case 'skeleton':
      return;
    case 'busybox':
      await buildBusyboxRoot(guestRoot, signal);
      return;
    case 'template':
      await copyTemplate(params.source ?? '', root, signal);
      return;
    case 'rsync':
      await rsyncRoot(params.source ?? '', root, excludes, signal);
      return;
    case 'debootstrap':
      if (!params.distribution) throw guestError(ERROR_CODES.invalidParams, params.name, 'build method debootstrap needs a distribution (e.g. -d bookworm)');
      await debootstrapRoot(root, params.distribution, params.mirror, params.debootstrapOptions ?? [], signal);
      return;
  }
}

export async function buildGuest(params: BuildParams, environment: BuildEnvironment, signal: AbortSignal): Promise<GuestConfig> {
  const { paths } = environment;
  const { name } = params;
  if (params.method === 'rsync' || params.method === 'template') assertToolPresent('rsync', name, params.method, 'rsync');
  if (params.method === 'template') assertToolPresent('tar', name, params.method, 'tar');
  if (params.method === 'debootstrap') assertToolPresent('debootstrap', name, params.method, 'debootstrap');
  const identity = { name, xid: params.xid, ips: params.interfaces.map((spec) => spec.ip) };
  await assertIdentityFree(identity, await environment.readConfigs(), paths);
  await sweepAbandonedBuilds(paths);

  const finalRoot = join(paths.guestBase, name);
  const finalConfig = join(paths.configBase, name);
  const temporaryRoot = join(paths.guestBase, temporaryName(name));
  const temporaryConfig = join(paths.stateDir, 'builds', temporaryName(name));
  let rootMoved = false;
  try {
    await fs.mkdir(paths.guestBase, { recursive: true, mode: 0o755 });
    await fs.mkdir(temporaryRoot, { mode: 0o755 });
    const config = newGuestConfig(params, finalRoot);
    await GuestRoot.using(temporaryRoot, async (root) => {
      await populateRoot(params, root, [paths.guestBase, paths.configBase], signal);
      signal.throwIfAborted();
      await completeGuestSkeleton(root, { nodename: config.nodename, domainname: config.domainname, addresses: identity.ips });
    });
    await writeGuestConfig(temporaryConfig, config);
    signal.throwIfAborted();
    await environment.withBuildLock(async () => {
      await assertIdentityFree(identity, await environment.readConfigs(), paths);
      signal.throwIfAborted();
      await fs.rename(temporaryRoot, finalRoot);
      rootMoved = true;
      await fs.rename(temporaryConfig, finalConfig);
    });
    return config;
  } catch (error) {
    if (rootMoved) await removeBuildTree(finalRoot);
    if (signal.aborted) throw guestError(ERROR_CODES.cancelled, name, 'the build was interrupted; nothing was left behind');
    throw error;
  } finally {
    await removeBuildTree(temporaryRoot);
    await fs.rm(temporaryConfig, { recursive: true, force: true });
  }
}
