// `info`: what an admin wants to know about the host before placing guests on it.
import { cpus, hostname, loadavg, release } from 'node:os';
import type { HostInfo } from '../../../shared/domain/guest';
import { AGENT_VERSION } from '../agentVersion';
import type { Driver } from '../driver';
import type { AgentPaths } from './agentPaths';
import { readDiskSpace } from './diskSpace';
import { readHostMemory } from './hostMemory';

export function hostLoad(): [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return [one, five, fifteen];
}

export async function readHostInfo(driver: Driver, paths: AgentPaths): Promise<HostInfo> {
  return {
    hostname: hostname(),
    kernel: release(),
    driver: driver.name,
    cgroupVersion: driver.cgroupVersion,
    cpus: Math.max(1, cpus().length),
    ...(await readHostMemory()),
    load: hostLoad(),
    guestBase: paths.guestBase,
    configBase: paths.configBase,
    ...(await readDiskSpace(paths.guestBase)),
    agentVersion: AGENT_VERSION,
    nodeVersion: process.versions.node,
  };
}
