// `caps` (bounding set and context capabilities, applied at the next start) and `uname`
// (nodename/domainname live, context flags at the next start).
import type { AgentParsedParams, AgentResult } from '../../../shared/protocol/methods';
import { guestConfigDir, writeGuestCapabilities, writeGuestUts } from '../config/guestConfigStore';
import { asAgentError } from '../errors/agentError';
import type { AgentContext } from './agentContext';

function changeSet(current: readonly string[], add: readonly string[], drop: readonly string[]): string[] {
  const result = new Set(current);
  for (const name of add) result.add(name);
  for (const name of drop) result.delete(name);
  return [...result].sort();
}

async function isRunning(context: AgentContext, name: string): Promise<boolean> {
  return (await context.statusOf(await context.readConfig(name))).state === 'running';
}

export async function getGuestCaps(context: AgentContext, name: string): Promise<AgentResult<'capsGet'>> {
  const config = await context.readConfig(name);
  return {
    name,
    bcapabilities: [...config.bcapabilities].sort(),
    ccapabilities: [...config.ccapabilities].sort(),
    running: await isRunning(context, name),
    appliesAtNextStart: true,
  };
}

export function setGuestCaps(context: AgentContext, params: AgentParsedParams<'capsSet'>): Promise<AgentResult<'capsSet'>> {
  return context.withGuestLock(params.name, 'caps', async () => {
    const config = await context.readConfig(params.name);
    const bcapabilities = changeSet(config.bcapabilities, params.add, params.drop);
    const ccapabilities = changeSet(config.ccapabilities, params.ccapAdd, params.ccapDrop);
    await writeGuestCapabilities(guestConfigDir(context.paths.configBase, params.name), { bcapabilities, ccapabilities });
    return { name: params.name, bcapabilities, ccapabilities, running: await isRunning(context, params.name), appliesAtNextStart: true };
  });
}

export async function getGuestUname(context: AgentContext, name: string): Promise<AgentResult<'unameGet'>> {
  const config = await context.readConfig(name);
  const running = await isRunning(context, name);
  return { name, nodename: config.nodename, domainname: config.domainname, cflags: [...config.cflags].sort(), running, appliedLive: running };
}

export function setGuestUname(context: AgentContext, params: AgentParsedParams<'unameSet'>): Promise<AgentResult<'unameSet'>> {
  return context.withGuestLock(params.name, 'uname', async () => {
    const config = await context.readConfig(params.name);
    const nodename = params.nodename ?? config.nodename;
    const domainname = params.domainname ?? config.domainname;
    const cflags = changeSet(config.cflags, params.flagAdd, params.flagDrop);
    const running = await isRunning(context, params.name);
    const utsChanged = nodename !== config.nodename || domainname !== config.domainname;
    if (running && utsChanged) {
      try {
        await context.driver.setUname(config, { nodename, domainname });
      } catch (error) {
        throw asAgentError(error, params.name);
      }
    }
    await writeGuestUts(guestConfigDir(context.paths.configBase, params.name), { nodename, domainname, cflags });
    const flagsChanged = cflags.join(',') !== [...config.cflags].sort().join(',');
    return {
      name: params.name, nodename, domainname, cflags, running,
      appliedLive: running && utsChanged,
      ...(flagsChanged ? { flagsApplyAtNextStart: true as const } : {}),
    };
  });
}
