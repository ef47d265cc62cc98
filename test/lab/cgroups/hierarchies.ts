import { readFileSync, readlinkSync, readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';

/** One mounted cgroup hierarchy of this machine, and where the calling process sits in it. */
export interface CgroupHierarchy {
  mountPoint: string;
  fsType: 'cgroup' | 'cgroup2';
  /** Mount data for the host's own mount of this hierarchy (controllers or name=, for v1). */
  mountOptions: string;
  /** Absolute directory of the calling process's cgroup in this hierarchy. */
  ownDirectory: string;
}

/** The v2 leaf that holds a host's own processes (init, sshd, sessions), like systemd's init.scope. */
export const hostProcessesV2Leaf = 'init.scope';

/** A step of rebuilding /sys/fs/cgroup inside a host: what to mount or link where (read by host-init.sh). */
export interface CgroupMountStep {
  kind: 'tmpfs' | 'cgroup' | 'cgroup2' | 'symlink';
  path: string;
  data: string;
}

interface MountinfoEntry {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

const cgroupFsRoot = '/sys/fs/cgroup';

function readMountinfo(): MountinfoEntry[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => {
    const [before, after = ''] = line.split(' - ');
    const fields = (before ?? '').split(' ');
    const [fsType = '', , superOptions = ''] = after.split(' ');
    return { root: unescapeMountPath(fields[3] ?? ''), mountPoint: unescapeMountPath(fields[4] ?? ''), fsType, superOptions: superOptions.split(',') };
  });
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Every mounted hierarchy (v1 controllers, named v1 hierarchies and v2), each once. */
export function discoverHierarchies(): CgroupHierarchy[] {
  const mountinfo = readMountinfo();
  const ownCgroups = readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean).map((line) => {
    const [, controllers = '', ...path] = line.split(':');
    return { controllers: controllers.split(',').filter(Boolean), path: path.join(':') };
  });
  const hierarchies: CgroupHierarchy[] = [];
  for (const own of ownCgroups) {
    const isV2 = own.controllers.length === 0;
    const mounts = mountinfo.filter((mount) => isV2
      ? mount.fsType === 'cgroup2'
      : mount.fsType === 'cgroup' && own.controllers.every((controller) => mount.superOptions.includes(controller)));
    const mount = mounts.find((candidate) => isBelowCgroupFsRoot(candidate.mountPoint)) ?? mounts[0];
    if (!mount) continue;
    const pathBelowMountRoot = mount.root === '/' ? own.path : own.path.slice(mount.root.length);
    const namedOnly = own.controllers.every((controller) => controller.startsWith('name='));
    hierarchies.push({
      mountPoint: mount.mountPoint,
      fsType: isV2 ? 'cgroup2' : 'cgroup',
      // A named hierarchy without controllers must say "none", or the kernel would try to bind every controller to it.
      mountOptions: isV2 ? '' : [...(namedOnly ? ['none'] : []), ...own.controllers].join(','),
      ownDirectory: join(mount.mountPoint, pathBelowMountRoot),
    });
  }
  return hierarchies;
}

function isBelowCgroupFsRoot(path: string): boolean {
  return path === cgroupFsRoot || path.startsWith(`${cgroupFsRoot}/`);
}

/** How to rebuild this machine's /sys/fs/cgroup layout inside a host, whose cgroup namespace makes its subtree the root. */
export function cgroupMountSteps(hierarchies: CgroupHierarchy[]): CgroupMountStep[] {
  const steps: CgroupMountStep[] = [];
  const rootMount = readMountinfo().filter((mount) => mount.mountPoint === cgroupFsRoot).pop();
  if (rootMount?.fsType === 'tmpfs') steps.push({ kind: 'tmpfs', path: cgroupFsRoot, data: 'mode=755' });
  const mounted = hierarchies.filter((hierarchy) => isBelowCgroupFsRoot(hierarchy.mountPoint));
  // The hierarchy mounted at /sys/fs/cgroup itself (pure v2) must come before those below it.
  mounted.sort((a, b) => a.mountPoint.length - b.mountPoint.length);
  for (const hierarchy of mounted) {
    steps.push({ kind: hierarchy.fsType, path: hierarchy.mountPoint, data: hierarchy.fsType === 'cgroup2' ? hostProcessesV2Leaf : hierarchy.mountOptions });
  }
  if (rootMount?.fsType === 'tmpfs') {
    for (const entry of readdirSync(cgroupFsRoot)) {
      const path = join(cgroupFsRoot, entry);
      if (lstatSync(path).isSymbolicLink()) steps.push({ kind: 'symlink', path, data: readlinkSync(path) });
    }
  }
  return steps;
}
