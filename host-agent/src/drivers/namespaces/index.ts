// The namespaces driver for any modern kernel: detects the cgroup layout and the host tools.
import type { DriverFactory } from '../../driver';
import { detectCgroupLayout } from './cgroups/cgroupLayout';
import { selectCgroupDriver } from './cgroups/selectCgroupDriver';
import { resolveHostTools } from './launch/hostTools';
import { createNamespacesDriver } from './namespacesDriver';

export { createNamespacesDriver, type NamespacesDriverOptions } from './namespacesDriver';

/** Guests' cgroups live in a "vfleet" folder at the root of the hierarchy this agent sees. */
export const createDriver: DriverFactory = async (context) => createNamespacesDriver({
  context,
  cgroups: selectCgroupDriver(await detectCgroupLayout(), { anchor: 'root', subtree: 'vfleet' }),
  tools: resolveHostTools(),
});
