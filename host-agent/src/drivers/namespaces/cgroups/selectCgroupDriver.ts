// Chooses the cgroup driver for the detected layout: pure v2 when the unified hierarchy has the
// controllers, else v1 controllers (with v2 for placement, freeze and kill when it is mounted).
import { join } from 'node:path';
import type { CgroupHierarchy, CgroupLayout } from './cgroupLayout';
import { cgroupV1Driver } from './cgroupV1Driver';
import { cgroupV2Driver } from './cgroupV2Driver';
import type { GuestCgroups } from './guestCgroups';
import { hybridCgroupDriver } from './hybridCgroupDriver';

/** The v1 controllers a guest is placed in; devices and named hierarchies are left alone. */
const V1_CONTROLLERS = ['memory', 'pids', 'cpu', 'cpuacct', 'cpuset', 'blkio', 'freezer'];
const V2_LIMIT_CONTROLLERS = ['memory', 'pids', 'cpu'];

export interface CgroupPlacement {
  /**
   * 'root': guests live under the root of the hierarchy this agent sees (a host's
   * /sys/fs/cgroup, a container's cgroup namespace root); 'self': under the agent's own cgroup.
   */
  anchor: 'root' | 'self';
  /** The folder holding one cgroup per guest, e.g. "vfleet". */
  subtree: string;
}

function baseOf(hierarchy: CgroupHierarchy, placement: CgroupPlacement): string {
  return join(placement.anchor === 'self' ? hierarchy.ownDirectory : hierarchy.mountPoint, placement.subtree);
}

export function selectCgroupDriver(layout: CgroupLayout, placement: CgroupPlacement): GuestCgroups {
  const v2 = layout.v2 ? cgroupV2Driver(baseOf(layout.v2, placement)) : undefined;
  if (v2 && layout.v2 && V2_LIMIT_CONTROLLERS.every((controller) => layout.v2?.controllers.includes(controller))) return v2;
  const hierarchies = layout.v1
    .filter((hierarchy) => hierarchy.controllers.some((controller) => V1_CONTROLLERS.includes(controller)))
    .filter((hierarchy) => !(v2 && hierarchy.controllers.length === 1 && hierarchy.controllers[0] === 'freezer'))
    .map((hierarchy) => ({ controllers: hierarchy.controllers, base: baseOf(hierarchy, placement) }));
  if (hierarchies.length === 0) {
    if (v2) return v2;
    throw new Error('no cgroup hierarchy is mounted (neither cgroup v2 nor v1 controllers under /sys/fs/cgroup)');
  }
  const v1 = cgroupV1Driver(hierarchies);
  return v2 ? hybridCgroupDriver(v1, v2) : v1;
}
