// Hosts with v1 controllers and a controller-less v2 hierarchy (this build machine, many older
// distributions): v2 places, freezes and kills (cgroup.freeze, cgroup.kill), v1 limits and counts.
import type { GuestCgroups } from './guestCgroups';

export function hybridCgroupDriver(v1: GuestCgroups, v2: GuestCgroups): GuestCgroups {
  return {
    version: 1,
    async create(guest) {
      await v1.create(guest);
      await v2.create(guest);
    },
    procsFiles: (guest) => [...v2.procsFiles(guest), ...v1.procsFiles(guest)],
    async place(guest, pid) {
      await v2.place(guest, pid);
      await v1.place(guest, pid);
    },
    pids: (guest) => v2.pids(guest),
    exists: async (guest) => (await v2.exists(guest)) || (await v1.exists(guest)),
    applyLimits: (guest, limits) => v1.applyLimits(guest, limits),
    readUsage: (guest) => v1.readUsage(guest),
    readSampleCounters: (guest) => v1.readSampleCounters(guest),
    readCpuTimes: (guest) => v1.readCpuTimes(guest),
    freeze: (guest) => v2.freeze(guest),
    thaw: (guest) => v2.thaw(guest),
    killAll: (guest) => v2.killAll(guest),
    async remove(guest) {
      await v2.remove(guest);
      await v1.remove(guest);
    },
  };
}
