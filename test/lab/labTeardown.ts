import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { findCgroupDirectories, pidsInCgroupTree, removeCgroupTree } from './cgroups/cgroupTree';
import { discoverHierarchies } from './cgroups/hierarchies';
import { deleteLink, listLinks, listNetns, netnsPath } from './network/labNetwork';
import { deletePartitionTable, partitionTableLeftover } from './network/labPartition';
import { runCommand } from './system/command';
import { allPids, namespaceOf, readProcess, sendSignal, waitUntil } from './system/processTable';
import { findExecutable } from '../../host-agent/src/process/runTool';
import { readLabState } from './state/labState';
import { labObjectNames, type LabObjectNames } from './state/labNames';

/** The kernel objects and files of one lab, found from its state file and, when that is gone, by its names. */
export interface LabLeftovers {
  pids: number[];
  links: string[];
  netns: string[];
  mounts: string[];
  cgroupRoots: string[];
  /** The lab's nftables table of partitions. */
  firewall: string[];
}

export async function findLabLeftovers(labName: string, dir: string): Promise<LabLeftovers> {
  const names = labObjectNames(labName);
  const cgroupRoots = await findLabCgroupRoots(dir, names);
  const netns = await listNetns(names.netnsPrefix);
  const ip = findExecutable('ip');
  const links = ip ? (await listLinks(ip, names.linkPrefix)).map((link) => link.name) : [];
  return {
    pids: labPids(cgroupRoots, netns),
    links,
    netns,
    mounts: labMounts(dir, names),
    cgroupRoots,
    firewall: await partitionTableLeftover(labName),
  };
}

export function hasLeftovers(leftovers: LabLeftovers): boolean {
  return leftovers.pids.length + leftovers.links.length + leftovers.netns.length + leftovers.mounts.length + leftovers.cgroupRoots.length + leftovers.firewall.length > 0;
}

async function findLabCgroupRoots(dir: string, names: LabObjectNames): Promise<string[]> {
  let fromState: string[] = [];
  try {
    fromState = readLabState(dir)?.cgroupRoots ?? [];
  } catch {
    // A damaged state file: find the cgroups by name instead.
  }
  const roots = new Set(fromState.filter(existsSync));
  for (const hierarchy of discoverHierarchies()) {
    const expected = join(hierarchy.ownDirectory, names.cgroupDirectory);
    if (existsSync(expected)) roots.add(expected);
    else if (![...roots].some((root) => root.startsWith(`${hierarchy.mountPoint}/`))) {
      for (const found of await findCgroupDirectories(hierarchy, names.cgroupDirectory)) roots.add(found);
    }
  }
  return [...roots];
}

/** Everything in the lab's cgroups, and anything else living in one of its network namespaces; never the caller or its ancestors. */
function labPids(cgroupRoots: string[], netnsNames: string[]): number[] {
  const pids = new Set(cgroupRoots.flatMap(pidsInCgroupTree));
  const labNetworkNamespaces = new Set(netnsNames.map((name) => {
    try {
      return `net:[${statSync(netnsPath(name)).ino}]`;
    } catch {
      return '';
    }
  }).filter(Boolean));
  if (labNetworkNamespaces.size > 0) {
    for (const pid of allPids()) {
      const namespace = namespaceOf(pid, 'net');
      if (namespace && labNetworkNamespaces.has(namespace)) pids.add(pid);
    }
  }
  for (const pid of callerAndAncestors()) pids.delete(pid);
  return [...pids];
}

function callerAndAncestors(): number[] {
  const chain: number[] = [];
  for (let pid = process.pid; pid > 0 && !chain.includes(pid); pid = readProcess(pid)?.parentPid ?? 0) chain.push(pid);
  return chain;
}

function labMounts(dir: string, names: LabObjectNames): string[] {
  const netnsMounts = netnsPath(names.netnsPrefix);
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`) || mountPoint.startsWith(netnsMounts));
}

/** Removes every leftover of the lab: processes, links, namespaces, mounts, cgroups, then its directory. Idempotent. */
export async function removeLab(labName: string, dir: string): Promise<void> {
  const leftovers = await findLabLeftovers(labName, dir);
  await killAll(leftovers.cgroupRoots, leftovers.netns);
  const ip = findExecutable('ip');
  if (ip) {
    const names = labObjectNames(labName);
    // Veths first: deleting the bridge does not delete its ports.
    for (const link of leftovers.links.filter((name) => name !== names.bridge)) await deleteLink(ip, link);
    if (leftovers.links.includes(names.bridge)) await deleteLink(ip, names.bridge);
    for (const netns of leftovers.netns) await runCommand([ip, 'netns', 'delete', netns]);
  }
  for (const mountPoint of labMounts(dir, labObjectNames(labName)).reverse()) await runCommand(['umount', '--lazy', mountPoint]);
  for (const root of leftovers.cgroupRoots) await removeCgroupTree(root);
  if (leftovers.firewall.length > 0) await deletePartitionTable(labName);
  if (existsSync(dir)) {
    if (!looksLikeLabDirectory(dir)) throw new Error(`not deleting ${dir}: it does not look like a vfleet lab directory (no lab.json, hosts/ or id_ed25519 in it)`);
    await rm(dir, { recursive: true, force: true });
  }
}

async function killAll(cgroupRoots: string[], netnsNames: string[]): Promise<void> {
  const gone = await waitUntil(() => {
    const pids = labPids(cgroupRoots, netnsNames);
    for (const pid of pids) sendSignal(pid, 'SIGKILL');
    return pids.length === 0;
  }, 10000, 50);
  if (!gone) throw new Error(`processes of the lab survived SIGKILL: ${labPids(cgroupRoots, netnsNames).join(', ')}`);
}

/** Empty, or holding what only a lab writes: the guard before deleting a directory or writing into it. */
export function looksLikeLabDirectory(dir: string): boolean {
  const entries = readdirSync(dir);
  return entries.length === 0 || entries.some((entry) => ['lab.json', 'hosts', 'id_ed25519'].includes(entry));
}
