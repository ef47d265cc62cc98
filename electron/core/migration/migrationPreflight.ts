// The pre-flight checks of a migration, all made before anything moves: both agents speak the
// migration protocol, the target is reachable and its driver can run the guest, the name is free
// there, the context id is free (else a free one is proposed), the disk holds the guest plus a
// margin, the guest's addresses are not answered for on the target's network by anyone but the
// guest's current host (arping -D from the target) and lie in one of its subnets, the kernel knows
// the guest's capabilities, and a transport can carry the data: direct (the source logs in to the
// target as root, with a verified host key, rrsync there, no jump host) or relayed through the
// workstation (both reached as root or through sudo, rsync and rrsync there); auto takes direct when it can.
import type { Host } from '../../../shared/api/hosts';
import type { MigrateRequest, MigrationTransport, MigrationTransportSetting, PreflightCheck } from '../../../shared/api/migration';
import { formatBytes } from '../../../shared/format/byteSize';
import type { AgentResult } from '../../../shared/protocol/methods';
import { RELAY_COMMAND, RELAY_TREES } from '../../../shared/protocol/migrationRelay';
import type { HostAgent } from '../sessions/sessionPool';
import { usesSudo } from '../agent/agentDeploy';

/** Free disk the target must have beyond the guest's size: a tenth of it, and at least 64 MiB. */
export function diskNeeded(sizeBytes: number): number {
  return sizeBytes + Math.max(64 * 1024 * 1024, Math.round(sizeBytes / 10));
}

export interface PreflightInput {
  request: Pick<MigrateRequest, 'host' | 'guest' | 'to' | 'mode' | 'xid'> & { transport: MigrationTransportSetting };
  sourceHost: Host;
  targetHost: Host;
  source: HostAgent;
  target: HostAgent;
  /** The migration's id (a sudo login is asked whether its rule allows the relay's ends for it). */
  migration: string;
}

export interface PreflightOutcome {
  checks: PreflightCheck[];
  inspect?: AgentResult<'migrationInspect'>;
  /** The context id the guest gets on the target. */
  xid?: number;
  /** The transports that can carry the data, the one to prefer first (two: auto, a probe decides). */
  transports: MigrationTransport[];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function runPreflight(input: PreflightInput): Promise<PreflightOutcome> {
  const { request, sourceHost, targetHost, source, target } = input;
  const checks: PreflightCheck[] = [];
  const add = (check: string, outcome: PreflightCheck['outcome'], detail: string): void => { checks.push({ check, outcome, detail }); };

  const [sourceHello, targetHello] = await Promise.all([
    source.call('hello', {}, { timeoutMs: 20_000 }).catch((error: unknown) => error as Error),
    target.call('hello', {}, { timeoutMs: 20_000 }).catch((error: unknown) => error as Error),
  ]);
  if (sourceHello instanceof Error) {
    add('reachable', 'failed', `the source ${request.host} is not reachable: ${describe(sourceHello)}`);
    return { checks, transports: [] };
  }
  if (targetHello instanceof Error) {
    add('reachable', 'failed', `the target ${request.to} is not reachable: ${describe(targetHello)}`);
    return { checks, transports: [] };
  }
  add('reachable', 'ok', `${request.host} and ${request.to} answer`);
  const lacking = [[request.host, sourceHello], [request.to, targetHello]].filter(([, hello]) => !(hello as typeof sourceHello).features.includes('migration')).map(([name]) => name);
  if (lacking.length > 0) {
    add('protocol', 'failed', `the agent of ${lacking.join(' and ')} does not support migration; update it (reconnect with this vfleet's agent bundle)`);
    return { checks, transports: [] };
  }
  add('protocol', 'ok', `both agents speak protocol ${sourceHello.protocolVersion} with migration`);
  if (request.mode === 'freeze' && !sourceHello.features.includes('migration.freeze')) {
    add('driver', 'failed', `the ${sourceHello.driver} driver of ${request.host} cannot freeze a guest; use --mode stop`);
  } else if (targetHello.driver !== sourceHello.driver) {
    add('driver', 'warning', `${request.to} runs guests with the ${targetHello.driver} driver, ${request.host} with ${sourceHello.driver}`);
  } else {
    add('driver', 'ok', `${request.to} runs guests with the ${targetHello.driver} driver (cgroup v${targetHello.cgroupVersion})`);
  }

  let inspect: AgentResult<'migrationInspect'>;
  try {
    inspect = await source.call('migrationInspect', { name: request.guest }, { guest: request.guest, timeoutMs: 120_000 });
  } catch (error) {
    add('guest', 'failed', describe(error));
    return { checks, transports: [] };
  }
  const { config, status } = inspect;
  if (inspect.marker) {
    add('guest', 'failed', `${request.host}/${request.guest} carries the marker of migration ${inspect.marker.migration} (${inspect.marker.state}); resolve that migration first (vfleet migrations)`);
  } else if (request.mode === 'freeze' && status.state !== 'running') {
    add('guest', 'failed', `${request.guest} is not running, so there is nothing to freeze; use --mode stop`);
  } else {
    add('guest', 'ok', `${request.guest} is ${status.state} at context ${config.xid}, ${formatBytes(inspect.sizeBytes, 'iec')} on disk`);
  }

  const wantedXid = request.xid ?? config.xid;
  let probe: AgentResult<'migrationProbe'>;
  try {
    probe = await target.call('migrationProbe', {
      name: request.guest,
      xid: wantedXid,
      ips: config.interfaces.map((entry) => entry.ip),
      bcapabilities: config.bcapabilities,
      ownMacs: inspect.answeringMacs.map((entry) => entry.mac),
    }, { guest: request.guest, timeoutMs: 60_000 });
  } catch (error) {
    add('target', 'failed', describe(error));
    return { checks, inspect, transports: [] };
  }

  add('name', probe.nameFree ? 'ok' : 'failed', probe.nameFree ? `no guest named ${request.guest} on ${request.to}` : `${request.to} already has a guest named ${request.guest} (${probe.nameDetail ?? ''})`);
  let xid: number | undefined = wantedXid;
  if (probe.xidFree) {
    add('xid', 'ok', `context ${wantedXid} is free on ${request.to}`);
  } else if (request.xid === undefined && probe.proposedXid !== undefined) {
    xid = probe.proposedXid;
    add('xid', 'warning', `context ${wantedXid} is used by guest ${probe.xidOwner ?? '?'} on ${request.to}; the guest gets context ${xid} there unless another one is chosen`);
  } else {
    xid = undefined;
    add('xid', 'failed', `context ${wantedXid} is used by guest ${probe.xidOwner ?? '?'} on ${request.to}${probe.proposedXid !== undefined ? `; context ${probe.proposedXid} is free` : ''}`);
  }
  const needed = diskNeeded(inspect.sizeBytes);
  add('disk', probe.diskFree >= needed ? 'ok' : 'failed',
    `${request.to} has ${formatBytes(probe.diskFree, 'iec')} free for guests; the guest needs ${formatBytes(needed, 'iec')} (its size and a margin)`);
  if (probe.addressesInUse.length > 0) {
    add('address', 'failed', `on ${request.to}'s network ${probe.addressesInUse.map((entry) => `${entry.ip} is answered by ${entry.mac}`).join(', ')}`);
  } else {
    add('address', 'ok', config.interfaces.length === 0 ? 'the guest has no address' : `${config.interfaces.map((entry) => entry.ip).join(', ')} not in use on ${request.to}'s network`);
  }
  if (probe.addressesOffSubnet.length > 0) {
    add('subnet', 'warning', `${probe.addressesOffSubnet.join(', ')} lie outside every subnet of ${request.to}; the guest may not be reachable there without a route`);
  } else if (config.interfaces.length > 0) {
    add('subnet', 'ok', `the guest's addresses are in ${request.to}'s subnets`);
  }
  add('capabilities', probe.unsupportedCapabilities.length === 0 ? 'ok' : 'failed',
    probe.unsupportedCapabilities.length === 0 ? `${request.to}'s kernel knows the guest's capabilities` : `${request.to}'s kernel does not know ${probe.unsupportedCapabilities.join(', ')}`);
  const sudoProblems = request.transport === 'direct' ? [] : await relaySudoProblems(input);
  const transports = transportCheck(add, request, sourceHost, targetHost, probe.directTransportProblem, sudoProblems);
  return { checks, inspect, transports, ...(xid !== undefined ? { xid } : {}) };
}

function present(problems: (string | undefined)[]): string[] {
  return problems.filter((problem): problem is string => problem !== undefined);
}

/** What keeps a sudo login from starting its host's relay ends (the source's on the source, the target's on the target), for both trees. */
async function relaySudoProblems(input: PreflightInput): Promise<string[]> {
  const ends = [[input.source, 'source'], [input.target, 'target']] as const;
  const answers = await Promise.all(ends.flatMap(([agent, end]) => RELAY_TREES.map((tree) =>
    agent.channelRefusal([RELAY_COMMAND, end, input.migration, tree]).catch((error: unknown) => `${agent.host} could not be asked: ${describe(error)}`))));
  return [...new Set(answers.filter((answer): answer is string => answer !== undefined))];
}

/** The transport check; returns the transports that can carry the data under the request's setting. */
function transportCheck(
  add: (check: string, outcome: PreflightCheck['outcome'], detail: string) => void,
  request: PreflightInput['request'], sourceHost: Host, targetHost: Host, toolProblem: string | undefined, sudoProblems: string[],
): MigrationTransport[] {
  const direct = present([
    toolProblem,
    targetHost.user !== 'root' ? `the direct transfer logs in as root, but ${request.to} is reached as ${targetHost.user}` : undefined,
    targetHost.trust.accepted ? undefined : `no host key of ${request.to} is accepted yet`,
    sourceHost.jump !== undefined || targetHost.jump !== undefined ? 'a host behind a jump host cannot be reached directly by the other' : undefined,
  ]);
  // The relay's ends run as exec channels of the agent of their own, as root: directly, or through
  // sudo (the agent's sudo rule names them, agent/sudoersRule.ts; a rule older than that is named).
  const relay = present([
    toolProblem,
    ...[sourceHost, targetHost].map((host) => (host.user !== 'root' && !usesSudo(host) ? `the relay runs the agent's relay end as root, but ${host.name} is reached as ${host.user} without sudo` : undefined)),
    ...sudoProblems,
  ]);
  const directText = `${request.host} sends to root@${targetHost.address}:${targetHost.port} over SSH with a key made for this migration`;
  const relayText = `the data goes through this workstation's SSH connections to ${request.host} and ${request.to}`;
  if (request.transport === 'direct') {
    add('transport', direct.length === 0 ? 'ok' : 'failed', direct.length === 0 ? directText : direct.join('; '));
    return direct.length === 0 ? ['direct'] : [];
  }
  if (request.transport === 'relay') {
    add('transport', relay.length === 0 ? 'ok' : 'failed', relay.length === 0 ? `relay: ${relayText}` : relay.join('; '));
    return relay.length === 0 ? ['relay'] : [];
  }
  if (direct.length === 0 && relay.length === 0) {
    add('transport', 'ok', `${directText} when it reaches ${request.to} (probed first), else ${relayText}`);
    return ['direct', 'relay'];
  }
  if (direct.length === 0) {
    add('transport', 'ok', `${directText} (no relay: ${relay.join('; ')})`);
    return ['direct'];
  }
  if (relay.length === 0) {
    add('transport', 'ok', `relay: ${relayText} (not direct: ${direct.join('; ')})`);
    return ['relay'];
  }
  add('transport', 'failed', `neither direct (${direct.join('; ')}) nor relayed (${relay.join('; ')})`);
  return [];
}
