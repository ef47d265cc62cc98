import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupCpuSeconds, createCgroup, pidsInCgroupTree, removeCgroupTree } from './cgroups/cgroupTree';
import { cgroupMountSteps, discoverHierarchies } from './cgroups/hierarchies';
import { bootHost, hostEnvironment, sshdListening, type HostBootPlan } from './hosts/hostBoot';
import { joinCgroupsArgv } from './hosts/joinCgroups';
import { hostFiles, hostMountPoints, labFiles } from './labLayout';
import { findLabLeftovers, hasLeftovers, looksLikeLabDirectory, removeLab, type LabLeftovers } from './labTeardown';
import { addPartition, listPartitions, removePartition } from './network/labPartition';
import { createBridge, createHostLink, deleteHostLink, isLinkUp, listLinks, setLinkUp, subnetConflict } from './network/labNetwork';
import { gatewayAddress, hostAddress, hostCapacity, parseSubnet } from './network/subnet';
import {
  generateEd25519Key, knownHosts, publicKey, sshClientConfig, sshdConfig, sshdDirectoryInHost, writePrivateFile,
} from './ssh/labSshFiles';
import { labDirectory, labObjectNames, hostMacAddress, hostName, netnsName, validateLabName, vethName, defaultLabName } from './state/labNames';
import { labStateSchema, readLabState, stateFilePath, writeLabState, type LabHostRecord, type LabState } from './state/labState';
import { runCommand, type CommandResult } from './system/command';
import { isAlive, processesInPidNamespaceOf, readProcess, sendSignal, waitUntil } from './system/processTable';
import { resolveLabTools, type LabTool } from './system/tools';

export interface LabOptions {
  name?: string;
  hosts?: number;
  subnet?: string;
  dir?: string;
}

export type LabHostState = 'up' | 'cut' | 'sshd-down' | 'down';

export interface LabHost {
  name: string;
  address: string;
  port: number;
  state: LabHostState;
  initPid: number;
}

export interface LabStatus {
  name: string;
  dir: string;
  subnet: string;
  gateway: string;
  keyPath: string;
  sshConfigPath: string;
  knownHostsPath: string;
  hosts: (LabHost & { keyPath: string; sshConfigPath: string })[];
  /** Pairs of hosts that cannot reach each other (`partition`), each in host order. */
  partitions: [string, string][];
}

export interface LabExecOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: Record<string, string>;
}

const defaultHostCount = 3;
const defaultSubnet = '10.213.0.0/24';
const sshPort = 22;
const sshdArgv = ['/usr/sbin/sshd', '-f', `${sshdDirectoryInHost}/sshd_config`, '-E', `${sshdDirectoryInHost}/sshd.log`];

export class Lab {
  readonly name: string;
  readonly dir: string;
  readonly subnet: string;
  /** This machine's address on the lab bridge, the hosts' default gateway. */
  readonly gateway: string;
  readonly hosts: LabHost[];
  readonly keyPath: string;
  readonly sshConfigPath: string;
  readonly knownHostsPath: string;

  private constructor(state: LabState, private readonly tools: Record<LabTool, string>) {
    this.name = state.name;
    this.dir = state.dir;
    this.subnet = state.subnet;
    this.gateway = state.gateway;
    this.hosts = state.hosts.map((record) => ({ name: record.name, address: record.address, port: record.port, state: 'up', initPid: record.initPid }));
    ({ keyPath: this.keyPath, sshConfigPath: this.sshConfigPath, knownHostsPath: this.knownHostsPath } = labFiles(state.dir));
  }

  /** For labUp and labAttach only. */
  static async open(state: LabState, tools: Record<LabTool, string>): Promise<Lab> {
    const lab = new Lab(state, tools);
    await lab.status();
    return lab;
  }

  host(name: string): LabHost {
    const host = this.hosts.find((candidate) => candidate.name === name);
    if (!host) throw new Error(`lab ${this.name} has no host named ${name} (its hosts: ${this.hosts.map((each) => each.name).join(', ')})`);
    return host;
  }

  async status(): Promise<LabStatus> {
    const state = this.state();
    const links = new Map((await listLinks(this.tools.ip, labObjectNames(this.name).linkPrefix)).map((link) => [link.name, link.up]));
    for (const record of state.hosts) {
      const host = this.host(record.name);
      host.initPid = record.initPid;
      host.state = hostState(record, this.dir, links.get(record.vethRoot) ?? false);
    }
    const files = labFiles(this.dir);
    return {
      name: this.name,
      dir: this.dir,
      subnet: this.subnet,
      gateway: state.gateway,
      ...files,
      hosts: this.hosts.map((host) => ({ ...host, keyPath: files.keyPath, sshConfigPath: files.sshConfigPath })),
      partitions: await listPartitions(this.name),
    };
  }

  async exec(host: string, argv: string[], opts: LabExecOptions = {}): Promise<CommandResult> {
    const { program, args } = this.enterHost(host, argv);
    return runCommand([program, ...args], {
      input: opts.input,
      timeoutMs: opts.timeoutMs,
      env: { ...hostEnvironment, ...opts.env },
      label: `${argv.join(' ')} on lab host ${host}`,
    });
  }

  /** The process is TERMed when the returned handle's process dies, so killing the handle stops it inside the host. */
  spawn(host: string, argv: string[]): ChildProcess {
    const { program, args } = this.enterHost(host, [this.tools.setpriv, '--pdeathsig', 'TERM', '--', ...argv]);
    return spawnProcess(program, args, { env: hostEnvironment, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  async cut(host: string): Promise<void> {
    await setLinkUp(this.tools.ip, this.record(host).vethRoot, false);
    await this.status();
  }

  async heal(host: string): Promise<void> {
    await setLinkUp(this.tools.ip, this.record(host).vethRoot, true);
    await this.status();
  }

  /** The two hosts cannot reach each other (frames between them dropped at the bridge, both ways); both still reach the machine and the other hosts. */
  async partition(first: string, second: string): Promise<void> {
    await addPartition(this.name, [first, second].map((host) => ({ name: host, veth: this.record(host).vethRoot })));
    await this.status();
  }

  async unpartition(first: string, second: string): Promise<void> {
    this.record(first);
    this.record(second);
    await removePartition(this.name, first, second);
    await this.status();
  }

  /** Kills the listening sshd only; sessions already open live on, as when sshd dies on a real server. */
  async killSshd(host: string): Promise<void> {
    const record = this.runningRecord(host);
    const listener = this.sshdListenerPid(record);
    if (listener !== undefined) {
      sendSignal(listener, 'SIGTERM');
      if (!(await waitUntil(() => !isAlive(listener), 3000))) sendSignal(listener, 'SIGKILL');
      if (!(await waitUntil(() => !isAlive(listener) && !sshdListening(record.initPid, record.address, record.port), 5000))) {
        throw new Error(`lab host ${host}: sshd (pid ${listener}) did not stop`);
      }
    }
    await this.status();
  }

  async startSshd(host: string): Promise<void> {
    const record = this.runningRecord(host);
    if (!sshdListening(record.initPid, record.address, record.port)) {
      const result = await this.exec(host, sshdArgv, { timeoutMs: 10000 });
      if (result.code !== 0) throw new Error(`lab host ${host}: sshd did not start: ${result.stderr.trim() || `exit code ${result.code}`}`);
      if (!(await waitUntil(() => sshdListening(record.initPid, record.address, record.port), 10000))) {
        throw new Error(`lab host ${host}: sshd started but does not listen on ${record.address}:${record.port}`);
      }
    }
    await this.status();
  }

  /** A power cut and power on: every process dies at once, tmpfs and network state are lost, the bind-mounted directories stay. */
  async reboot(host: string): Promise<void> {
    const state = this.state();
    const record = this.record(host);
    const wasCut = !(await isLinkUp(this.tools.ip, record.vethRoot));
    const hostCgroups = state.cgroupRoots.map((root) => join(root, record.name));
    if (isHostInit(record, this.dir)) sendSignal(record.initPid, 'SIGKILL');
    const allGone = (): boolean => hostCgroups.every((directory) => pidsInCgroupTree(directory).length === 0);
    if (!(await waitUntil(allGone, 5000))) {
      // Only a launcher caught before it left the host's cgroups can remain outside the PID namespace; it is the lab's own.
      for (const pid of hostCgroups.flatMap(pidsInCgroupTree)) sendSignal(pid, 'SIGKILL');
      if (!(await waitUntil(allGone, 5000))) throw new Error(`lab host ${host}: processes survived the reboot's SIGKILL`);
    }
    for (const directory of hostCgroups) await removeCgroupTree(directory, { keepRoot: true });
    const link = { netns: record.netns, vethRoot: record.vethRoot, bridge: state.bridge, hostMac: record.mac };
    await deleteHostLink(this.tools.ip, link);
    await createHostLink(this.tools.ip, link);
    if (wasCut) await setLinkUp(this.tools.ip, record.vethRoot, false);
    const initPid = await bootHost(bootPlan(state, record, this.tools));
    this.updateRecord(host, { initPid });
    await this.status();
  }

  /**
   * A small filesystem for the host's guests: a tmpfs of `size` (e.g. "400m") mounted on /vservers in the
   * host's mount namespace, over the bind-mounted directory, so a guest's copy can fill it up. It goes
   * with the host's mount namespace (a reboot or `down`); what the directory held stays underneath.
   */
  async smallGuestFilesystem(host: string, size: string): Promise<void> {
    if (!/^\d+[kmg]$/.test(size)) throw new Error(`lab host ${host}: a filesystem size is a number and k, m or g (e.g. 400m), not '${size}'`);
    const result = await this.exec(host, ['mount', '-t', 'tmpfs', '-o', `size=${size},mode=755`, 'vfleet-lab-guests', '/vservers'], { timeoutMs: 10_000 });
    if (result.code !== 0) throw new Error(`lab host ${host}: the small guest filesystem was not mounted: ${result.stderr.trim()}`);
  }

  /** New host key for that host (sshd restarted if it ran); known_hosts is left alone, so clients see a changed key. */
  async rekey(host: string): Promise<void> {
    const record = this.record(host);
    await generateEd25519Key(this.tools['ssh-keygen'], hostFiles(this.dir, host).hostKeyPath, `root@${record.name}`);
    if (isHostInit(record, this.dir) && sshdListening(record.initPid, record.address, record.port)) {
      await this.killSshd(host);
      await this.startSshd(host);
    }
  }

  async down(): Promise<void> {
    await labDown({ name: this.name, dir: this.dir });
  }

  /** CPU time (seconds) used by every process of the lab's hosts (sshd, agents, guests), from their cgroups; of one host with `host`. */
  cpuSeconds(host?: string): number {
    const roots = this.state().cgroupRoots;
    return cgroupCpuSeconds(host === undefined ? roots : roots.map((root) => join(root, this.record(host).name)));
  }

  private state(): LabState {
    const state = readLabState(this.dir);
    if (!state) throw new Error(`lab ${this.name} is not up: no state file ${stateFilePath(this.dir)}`);
    return state;
  }

  private record(host: string): LabHostRecord {
    this.host(host);
    const record = this.state().hosts.find((candidate) => candidate.name === host);
    if (!record) throw new Error(`lab ${this.name}: host ${host} is missing from ${stateFilePath(this.dir)}`);
    return record;
  }

  private runningRecord(host: string): LabHostRecord {
    const record = this.record(host);
    if (!isHostInit(record, this.dir)) throw new Error(`lab host ${host} is down: its init process (pid ${record.initPid}) is gone; reboot it or bring the lab up again`);
    return record;
  }

  /** Sync read-modify-write, so concurrent reboots in one process cannot lose each other's update. */
  private updateRecord(host: string, change: Partial<LabHostRecord>): void {
    const path = stateFilePath(this.dir);
    const state = labStateSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    const hosts = state.hosts.map((record) => (record.name === host ? { ...record, ...change } : record));
    writeFileSync(`${path}.${process.pid}`, `${JSON.stringify({ ...state, hosts }, null, 2)}\n`);
    renameSync(`${path}.${process.pid}`, path);
  }

  /** The daemonised listener is reparented to the host's init; per-connection sshd processes are its children. */
  private sshdListenerPid(record: LabHostRecord): number | undefined {
    return processesInPidNamespaceOf(record.initPid).find((entry) => entry.command === 'sshd' && entry.parentPid === record.initPid)?.pid;
  }

  /**
   * nsenter enters every namespace but the cgroup one and forks into the host's PID namespace; that child joins the
   * host's cgroups through the host's own /sys/fs/cgroup (so only it, not nsenter, counts in the host's cgroups),
   * then enters the cgroup namespace, which must come last: a process cannot move across its own cgroup namespace root.
   */
  private enterHost(host: string, argv: string[]): { program: string; args: string[] } {
    const record = this.runningRecord(host);
    const procsFilesInHost = this.state().cgroupMountSteps.flatMap((step) => {
      if (step.kind === 'cgroup') return [join(step.path, 'cgroup.procs')];
      if (step.kind === 'cgroup2') return [join(step.path, step.data, 'cgroup.procs')];
      return [];
    });
    return {
      program: this.tools.nsenter,
      args: [
        '-t', String(record.initPid), '--mount', '--uts', '--ipc', '--net', '--pid', '--',
        ...joinCgroupsArgv(procsFilesInHost, [this.tools.nsenter, '--cgroup=/proc/1/ns/cgroup', '--', ...argv]),
      ],
    };
  }
}

/** The pid may have been reused since the host died: it must still be tini started for this very host. */
function isHostInit(record: LabHostRecord, labDir: string): boolean {
  if (record.initPid <= 0 || !isAlive(record.initPid)) return false;
  const init = readProcess(record.initPid);
  return init?.command === 'tini' && init.commandLine.includes(hostFiles(labDir, record.name).hostDir);
}

function hostState(record: LabHostRecord, labDir: string, linkUp: boolean): LabHostState {
  if (!isHostInit(record, labDir)) return 'down';
  if (!linkUp) return 'cut';
  return sshdListening(record.initPid, record.address, record.port) ? 'up' : 'sshd-down';
}

function bootPlan(state: LabState, record: LabHostRecord, tools: Record<LabTool, string>): HostBootPlan {
  return {
    tools,
    labDir: state.dir,
    hostDir: hostFiles(state.dir, record.name).hostDir,
    name: record.name,
    address: record.address,
    prefixLength: state.prefixLength,
    port: record.port,
    gateway: state.gateway,
    netns: record.netns,
    cgroupProcsFiles: state.cgroupRoots.map((root) => join(root, record.name, 'cgroup.procs')),
    labCgroupProcsFiles: state.cgroupRoots.map((root) => join(root, 'cgroup.procs')),
    cgroupMountSteps: state.cgroupMountSteps,
  };
}

/** Checks everything `up` needs before it changes anything; throws a message saying what is wrong and what to do. */
async function planLab(opts: LabOptions): Promise<{ state: LabState; tools: Record<LabTool, string> }> {
  const name = validateLabName(opts.name ?? defaultLabName);
  const dir = labDirectory(name, opts.dir);
  const hostCount = opts.hosts ?? defaultHostCount;
  if (process.getuid?.() !== 0) throw new Error('the lab must run as root (it creates network namespaces, cgroups and mounts): run it with sudo or as root');
  const tools = resolveLabTools();
  const subnet = parseSubnet(opts.subnet ?? defaultSubnet);
  if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > hostCapacity(subnet)) {
    throw new Error(`the lab cannot have ${hostCount} hosts in ${subnet.cidr}: choose 1 to ${hostCapacity(subnet)} hosts, or a larger subnet`);
  }
  if (existsSync(dir) && !looksLikeLabDirectory(dir)) throw new Error(`the lab directory ${dir} already holds other files; choose an empty or new directory with --dir`);
  const previous = readLabState(dir);
  if (previous?.hosts.some((record) => isHostInit(record, dir))) {
    throw new Error(`lab ${name} is already up (state file ${stateFilePath(dir)}); bring it down first: npm run lab -- down --name ${name}`);
  }
  if (previous) throw new Error(`lab ${name} was left half made or with dead hosts by an earlier run (state file ${stateFilePath(dir)}); remove it first: npm run lab -- down --name ${name}`);
  const leftovers = await findLabLeftovers(name, dir);
  if (hasLeftovers(leftovers)) {
    throw new Error(`lab ${name} has leftovers of an earlier run (${describeLeftovers(leftovers)}); remove them first: npm run lab -- down --name ${name}`);
  }
  const conflict = await subnetConflict(tools.ip, subnet);
  if (conflict) throw new Error(`the lab subnet ${subnet.cidr} is already in use on this machine (${conflict}); choose another with --subnet`);
  const names = labObjectNames(name);
  const hierarchies = discoverHierarchies();
  const hosts = Array.from({ length: hostCount }, (_, index): LabHostRecord => {
    const host = hostName(index + 1);
    return {
      name: host,
      number: index + 1,
      address: hostAddress(subnet, index + 1),
      port: sshPort,
      netns: netnsName(names, host),
      vethRoot: vethName(names, index + 1),
      mac: hostMacAddress(names, index + 1),
      initPid: 0,
    };
  });
  const state: LabState = {
    name,
    dir,
    subnet: subnet.cidr,
    prefixLength: subnet.prefixLength,
    gateway: gatewayAddress(subnet),
    bridge: names.bridge,
    cgroupRoots: hierarchies.map((hierarchy) => join(hierarchy.ownDirectory, names.cgroupDirectory)),
    cgroupMountSteps: cgroupMountSteps(hierarchies),
    hosts,
  };
  return { state, tools };
}

function describeLeftovers(leftovers: LabLeftovers): string {
  return [
    leftovers.pids.length > 0 ? `${leftovers.pids.length} processes` : '',
    leftovers.links.length > 0 ? `links ${leftovers.links.join(' ')}` : '',
    leftovers.netns.length > 0 ? `network namespaces ${leftovers.netns.join(' ')}` : '',
    leftovers.mounts.length > 0 ? `mounts ${leftovers.mounts.join(' ')}` : '',
    leftovers.cgroupRoots.length > 0 ? `cgroups ${leftovers.cgroupRoots.join(' ')}` : '',
    leftovers.firewall.join(' '),
  ].filter(Boolean).join('; ');
}

/** Brings up a lab of real SSH hosts; on any failure it removes what it made and rethrows. */
export async function labUp(opts: LabOptions = {}): Promise<Lab> {
  const { state, tools } = await planLab(opts);
  try {
    await makeLab(state, tools);
  } catch (error) {
    await removeLab(state.name, state.dir).catch(() => undefined);
    throw error;
  }
  return Lab.open(state, tools);
}

async function makeLab(state: LabState, tools: Record<LabTool, string>): Promise<void> {
  await mkdir(state.dir, { recursive: true, mode: 0o755 });
  for (const mountPoint of hostMountPoints) await mkdir(mountPoint, { recursive: true });
  const files = labFiles(state.dir);
  const clientKey = await generateEd25519Key(tools['ssh-keygen'], files.keyPath, `vfleet-lab-${state.name}`);
  const hierarchies = discoverHierarchies();
  await Promise.all(state.hosts.map(async (record) => {
    const host = hostFiles(state.dir, record.name);
    for (const directory of host.persistentDirs) await mkdir(directory, { recursive: true, mode: 0o755 });
    await generateEd25519Key(tools['ssh-keygen'], host.hostKeyPath, `root@${record.name}`);
    await writeFile(join(host.sshdDir, 'sshd_config'), sshdConfig(record));
    await writePrivateFile(join(host.sshdDir, 'authorized_keys'), `${clientKey} vfleet-lab-${state.name}\n`);
  }));
  // One after the other: a new cpuset copies its parent's CPUs, which must be set before the next child is made.
  for (const record of state.hosts) await createCgroup(hierarchies, `${labObjectNames(state.name).cgroupDirectory}/${record.name}`);
  await writeLabState(state);
  await createBridge(tools.ip, state.bridge, `${state.gateway}/${state.prefixLength}`);
  await Promise.all(state.hosts.map((record) => createHostLink(tools.ip, { netns: record.netns, vethRoot: record.vethRoot, bridge: state.bridge, hostMac: record.mac })));
  const initPids = await Promise.all(state.hosts.map((record) => bootHost(bootPlan(state, record, tools))));
  state.hosts.forEach((record, index) => {
    record.initPid = initPids[index] ?? 0;
  });
  await writeLabState(state);
  const clientHosts = await Promise.all(state.hosts.map(async (record) => ({ ...record, hostPublicKey: await publicKey(hostFiles(state.dir, record.name).hostKeyPath) })));
  await writeFile(files.sshConfigPath, sshClientConfig(clientHosts, files));
  await writeFile(files.knownHostsPath, knownHosts(clientHosts));
}

export async function labAttach(opts: { name?: string; dir?: string } = {}): Promise<Lab> {
  const name = validateLabName(opts.name ?? defaultLabName);
  const dir = labDirectory(name, opts.dir);
  const state = readLabState(dir);
  if (!state) throw new Error(`lab ${name} is not up: no state file ${stateFilePath(dir)} (bring it up with: npm run lab -- up --name ${name})`);
  return Lab.open(state, resolveLabTools());
}

export async function labDown(opts: { name?: string; dir?: string } = {}): Promise<void> {
  const name = validateLabName(opts.name ?? defaultLabName);
  if (process.getuid?.() !== 0) throw new Error('the lab must run as root to remove its namespaces, cgroups and mounts: run it with sudo or as root');
  await removeLab(name, labDirectory(name, opts.dir));
}
