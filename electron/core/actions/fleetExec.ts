// One command in many guests on many hosts: targets chosen by host name or tag and guest name,
// at most `concurrency` running at once, each with its own result; cancel stops what is queued
// and kills what runs. An unreachable host fails its own targets only. Each target runs through
// `runTarget`, the dispatcher's guest.exec with its audit entry.
import type { FleetExecResult } from '../../../shared/api/fleetExec';
import type { FleetApiParsedParams } from '../../../shared/api/fleetApi';
import type { ExecOutcome } from '../../../shared/api/guestActions';
import type { HostView } from '../../../shared/api/fleetState';
import { createSemaphore } from '../ssh/semaphore';
import type { FleetContext } from './fleetContext';
import { OutputBudget } from './guestExec';

/** Output kept per target (stdout and stderr together) and for the whole run, so a fleet of chatty commands cannot exhaust memory. */
export const FLEET_EXEC_TARGET_OUTPUT_BYTES = 1024 * 1024;
const FLEET_EXEC_TOTAL_OUTPUT_BYTES = 16 * 1024 * 1024;

interface Target { host: string; guest: string }

/** One target's command, its output kept within `output`. */
export type FleetExecTargetRunner = (request: FleetApiParsedParams<'guest.exec'>, output: OutputBudget) => Promise<ExecOutcome>;

export async function fleetExec(context: FleetContext, request: FleetApiParsedParams<'fleet.exec'>, signal: AbortSignal | undefined, runTarget: FleetExecTargetRunner): Promise<FleetExecResult> {
  const hosts = context.state.snapshot().hosts;
  const unmatched: string[] = [];
  const chosenHosts = request.hosts ? hosts.filter((host) => request.hosts?.some((wanted) => host.name === wanted || host.tags.includes(wanted))) : hosts;
  for (const wanted of request.hosts ?? []) {
    if (!hosts.some((host) => host.name === wanted || host.tags.includes(wanted))) unmatched.push(`no host or tag named ${wanted}`);
  }
  const targets: Target[] = [];
  const failedHosts: ExecOutcome[] = [];
  for (const host of chosenHosts) {
    const guests = guestsOf(host, request.guests, request.state);
    if (host.connection !== 'connected' && guests.length === 0 && request.guests === undefined) {
      failedHosts.push({ host: host.name, guest: '', stdout: '', stderr: '', durationMs: 0, error: host.error ?? `Host ${host.name} is ${host.connection}` });
    }
    for (const guest of guests) targets.push({ host: host.name, guest });
  }
  for (const wanted of request.guests ?? []) {
    if (!targets.some((target) => target.guest === wanted)) unmatched.push(`no ${request.state === 'any' ? '' : `${request.state} `}guest named ${wanted} on the chosen hosts`);
  }

  const slots = createSemaphore(request.concurrency);
  const fleetOutput = new OutputBudget(FLEET_EXEC_TOTAL_OUTPUT_BYTES, 'the limit for all targets of a fleet exec together');
  const results = await Promise.all(targets.map(async (target): Promise<ExecOutcome> => {
    let release: (() => void) | undefined;
    try {
      release = await slots.acquire(signal);
    } catch {
      return { ...target, stdout: '', stderr: '', durationMs: 0, error: `Host ${target.host}, guest ${target.guest}: cancelled before it started` };
    }
    try {
      const targetOutput = new OutputBudget(FLEET_EXEC_TARGET_OUTPUT_BYTES, 'the limit per target of a fleet exec', fleetOutput);
      return await runTarget({ ...target, argv: request.argv, timeoutMs: request.timeoutMs }, targetOutput);
    } catch (error) {
      return { ...target, stdout: '', stderr: '', durationMs: 0, error: (error as Error).message };
    } finally {
      release();
    }
  }));
  return { results: [...failedHosts, ...results], unmatched, cancelled: signal?.aborted ?? false };
}

function guestsOf(host: HostView, names: string[] | undefined, state: 'running' | 'stopped' | 'any'): string[] {
  return host.guests
    .filter((guest) => (names ? names.includes(guest.name) : true))
    .filter((guest) => state === 'any' || guest.state === state)
    .map((guest) => guest.name);
}
