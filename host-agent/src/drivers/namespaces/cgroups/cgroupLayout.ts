// Where this agent's cgroups are: read from /proc/self/mountinfo and /proc/self/cgroup, so the
// same code works on a real host (the root of the hierarchy) and inside a cgroup namespace.
import { promises as fs } from 'node:fs';
import { join, posix } from 'node:path';
import { unescapeMountPath } from '../../../host/mountTable';

/** One mounted hierarchy: a v1 hierarchy with its controllers, or the v2 unified hierarchy. */
export interface CgroupHierarchy {
  version: 1 | 2;
  /** v1: the controllers mounted together (e.g. ["cpu", "cpuacct"]); v2: those in cgroup.controllers. */
  controllers: string[];
  mountPoint: string;
  /** The directory of this process's own cgroup in that hierarchy, as a path under mountPoint. */
  ownDirectory: string;
}

export interface CgroupLayout {
  v1: CgroupHierarchy[];
  v2?: CgroupHierarchy;
}

interface CgroupMount {
  version: 1 | 2;
  mountPoint: string;
  mountRoot: string;
  controllers: string[];
}

export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator === -1) continue;
    const fields = line.slice(0, separator).split(' ');
    const [fsType, , superOptions = ''] = line.slice(separator + 3).split(' ');
    const mountRoot = unescapeMountPath(fields[3] ?? '/');
    const mountPoint = unescapeMountPath(fields[4] ?? '');
    if (fsType === 'cgroup2') mounts.push({ version: 2, mountPoint, mountRoot, controllers: [] });
    if (fsType === 'cgroup') {
      const controllers = superOptions.split(',').filter((option) => !['rw', 'ro'].includes(option) && !option.includes('=') && !['none', 'noprefix', 'clone_children'].includes(option) && !option.startsWith('xattr'));
      if (controllers.length > 0) mounts.push({ version: 1, mountPoint, mountRoot, controllers });
    }
  }
  return mounts;
}

/** /proc/self/cgroup: "hierarchy-id:controllers:path"; the v2 line is "0::path". */
export function parseOwnCgroups(procSelfCgroup: string): { v1: Map<string, string>; v2?: string } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of procSelfCgroup.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllers = '', path = '/'] = match;
    if (id === '0' && controllers === '') v2 = path;
    for (const controller of controllers.split(',').filter(Boolean)) v1.set(controller, path);
  }
  return { v1, v2 };
}

/** The directory of `ownPath` inside a mount whose root is `mountRoot` (ns-relative "/.." paths fall back to the mount point). */
function ownDirectoryIn(mount: CgroupMount, ownPath: string | undefined): string {
  if (ownPath === undefined || ownPath.startsWith('/..')) return mount.mountPoint;
  const relative = posix.relative(mount.mountRoot, ownPath);
  if (relative.startsWith('..')) return mount.mountPoint;
  return join(mount.mountPoint, relative);
}

export function cgroupLayoutFrom(mountinfo: string, procSelfCgroup: string, v2Controllers: string[] = []): CgroupLayout {
  const own = parseOwnCgroups(procSelfCgroup);
  const mounts = parseCgroupMounts(mountinfo);
  const seen = new Set<string>();
  const v1: CgroupHierarchy[] = [];
  let v2: CgroupHierarchy | undefined;
  for (const mount of mounts) {
    if (mount.version === 2) {
      v2 ??= { version: 2, controllers: v2Controllers, mountPoint: mount.mountPoint, ownDirectory: ownDirectoryIn(mount, own.v2) };
      continue;
    }
    const key = [...mount.controllers].sort().join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    v1.push({ version: 1, controllers: mount.controllers, mountPoint: mount.mountPoint, ownDirectory: ownDirectoryIn(mount, own.v1.get(mount.controllers[0] ?? '')) });
  }
  return { v1, v2 };
}

export async function detectCgroupLayout(): Promise<CgroupLayout> {
  const [mountinfo, procSelfCgroup] = await Promise.all([fs.readFile('/proc/self/mountinfo', 'utf8'), fs.readFile('/proc/self/cgroup', 'utf8')]);
  const layout = cgroupLayoutFrom(mountinfo, procSelfCgroup);
  if (layout.v2) {
    const controllers = await fs.readFile(join(layout.v2.mountPoint, 'cgroup.controllers'), 'utf8').catch(() => '');
    layout.v2.controllers = controllers.split(/\s+/).filter(Boolean);
  }
  return layout;
}
