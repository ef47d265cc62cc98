// Read-only views of the host: hello, info, list, stat and ps.
import { hostname } from 'node:os';
import type { AgentResult } from '../../../shared/protocol/methods';
import { PROTOCOL_VERSION } from '../../../shared/protocol/envelope';
import { AGENT_VERSION } from '../agentVersion';
import { readHostInfo } from '../host/hostInfo';
import { readProcessTable, type RunningGuestRef } from '../host/processTable';
import { findExecutable } from '../process/runTool';
import { findStaticBusybox } from '../build/busyboxRoot';
import type { AgentContext } from './agentContext';
import { guestStatus } from './lifecycleOperations';

/** What this agent can do on this host, for the client to enable or hide actions. */
async function hostFeatures(context: AgentContext): Promise<string[]> {
  const features = ['exec', 'enter', 'events.guestState', 'events.healthSample', 'limits', 'caps', 'uname', 'build.skeleton'];
  features.push(`cgroup.v${context.driver.cgroupVersion}`);
  if (await findStaticBusybox().then(() => true, () => false)) features.push('build.busybox');
  if (findExecutable('rsync')) features.push('build.rsync');
  if (findExecutable('rsync') && findExecutable('tar')) features.push('build.template');
  if (findExecutable('debootstrap')) features.push('build.debootstrap');
  // Migration (migration* methods, start/stop of a held guest); freezing only where the driver can.
  features.push('migration');
  if (context.driver.freezes) features.push('migration.freeze');
  if (findExecutable('rsync') && findExecutable('rrsync')) features.push('replication');
  return features;
}

export async function hello(context: AgentContext): Promise<AgentResult<'hello'>> {
  return {
    protocolVersion: PROTOCOL_VERSION,
    agentVersion: AGENT_VERSION,
    driver: context.driver.name,
    cgroupVersion: context.driver.cgroupVersion,
    features: await hostFeatures(context),
    hostname: hostname(),
    pid: process.pid,
    configBase: context.paths.configBase,
    guestBase: context.paths.guestBase,
    agentFile: process.argv[1] ?? '',
    nodePath: process.execPath,
  };
}

export function info(context: AgentContext): Promise<AgentResult<'info'>> {
  return readHostInfo(context.driver, context.paths);
}

export async function listGuests(context: AgentContext): Promise<AgentResult<'list'>> {
  const { configs, unreadable } = await context.scanConfigs();
  const guests: AgentResult<'list'>['guests'] = [];
  // One guest whose state cannot be read is named, the others still listed.
  for (const config of configs) {
    try {
      guests.push({ config, status: await context.statusOf(config) });
    } catch (error) {
      unreadable.push({ name: config.name, error: `state unreadable: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return { guests, unreadable };
}

export async function statRows(context: AgentContext): Promise<AgentResult<'stat'>> {
  const { configs, unreadable } = await context.scanConfigs();
  return { rows: await context.driver.stat(configs), unreadable };
}

export async function processRows(context: AgentContext, name?: string): Promise<AgentResult<'ps'>> {
  const only = name === undefined ? undefined : await guestStatus(context, name);
  const running: RunningGuestRef[] = [];
  const { configs, unreadable } = await context.scanConfigs();
  for (const config of configs) {
    const status = await context.statusOf(config);
    if (status.state === 'running') running.push({ name: config.name, xid: config.xid, initPid: status.initPid });
  }
  if (only && only.state !== 'running') return { rows: [], unreadable };
  return { rows: await readProcessTable(running, only?.xid), unreadable };
}
