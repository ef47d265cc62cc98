// Entry of the `vserver` driver: wires util-vserver on the real host into createVserverDriver.
import { existsSync } from 'node:fs';
import type { DriverFactory } from '../../driver';
import { hostFilesUnder, spawnCommandRunner } from './hostAccess';
import { createVserverDriver } from './vserverDriver';

export { createVserverDriver } from './vserverDriver';

export const createDriver: DriverFactory = async () =>
  createVserverDriver({
    runner: spawnCommandRunner,
    files: hostFilesUnder('/'),
    cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1,
  });
