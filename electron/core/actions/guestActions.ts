// Guest actions through the app API: each checks the guest's host, calls its agent, updates the
// fleet state with what the agent answered (what the audit log records of them is the dispatcher's table).
// Build, start and restart hand the call's abort signal to the agent, which stops the work on the host;
// build and start are checked against the whole fleet first (inventory/guestConflicts.ts).
import type { GuestView } from '../../../shared/api/fleetState';
import type { ExecOutcome, GuestRef } from '../../../shared/api/guestActions';
import type { FleetApiParsedParams, FleetApiResult } from '../../../shared/api/fleetApi';
import type { GuestStatus } from '../../../shared/domain/guest';
import { HostError } from '../ssh/sshErrors';
import { checkGuestIdentity, describeConflicts, type KnownGuest } from '../inventory/guestConflicts';
import type { FleetContext } from './fleetContext';
import { execInGuest, type OutputBudget } from './guestExec';

const LONG_ACTION_MS = 600_000;

function viewAfter(context: FleetContext, ref: GuestRef, status: GuestStatus): GuestView {
  context.state.applyGuestStatus(ref.host, status);
  const view = context.state.guest(ref.host, ref.guest);
  if (!view) throw new Error(`Host ${ref.host}, guest ${ref.guest}: the guest vanished from the fleet state`);
  return view;
}

/** The guests each core's builds are making now (by host/name), which the checks count as taken. */
const buildsUnderWay = new WeakMap<FleetContext, Map<string, KnownGuest>>();

function underWay(context: FleetContext): Map<string, KnownGuest> {
  let builds = buildsUnderWay.get(context);
  if (!builds) buildsUnderWay.set(context, builds = new Map());
  return builds;
}

export function buildCheck(context: FleetContext, request: FleetApiParsedParams<'guest.buildCheck'>): FleetApiResult<'guest.buildCheck'> {
  context.registry.require(request.host);
  return checkGuestIdentity(context.state.snapshot().hosts, {
    host: request.host, name: request.name, xid: request.xid, ips: request.interfaces?.map((spec) => spec.ip), isNew: true,
  }, [...underWay(context).values()]);
}

export async function buildGuest(context: FleetContext, request: FleetApiParsedParams<'guest.build'>, signal?: AbortSignal): Promise<FleetApiResult<'guest.build'>> {
  const ref = { host: request.host, guest: request.build.name };
  const { name, xid, interfaces } = request.build;
  const check = buildCheck(context, { host: request.host, name, xid, interfaces });
  if (check.refusals.length > 0) throw new HostError(ref.host, `not built: ${describeConflicts(check.refusals)}`, 'permanent', ref.guest);
  if (check.warnings.length > 0 && !request.force) {
    throw new HostError(ref.host, `not built: ${describeConflicts(check.warnings)}; build anyway with force (vfleet guest build --force)`, 'permanent', ref.guest);
  }
  // Checked and taken in one synchronous step: a build that starts meanwhile sees this one.
  const key = `${ref.host}/${ref.guest}`;
  underWay(context).set(key, { host: ref.host, name: ref.guest, xid, ips: interfaces.map((spec) => spec.ip) });
  try {
    const session = context.session(request.host);
    const built = await session.call('build', request.build, { guest: ref.guest, timeoutMs: LONG_ACTION_MS, signal });
    const status = await session.call('status', { name: ref.guest }, { guest: ref.guest });
    context.state.applyGuestStatus(ref.host, status, built.config);
    return { ...viewAfter(context, ref, status), warnings: check.warnings };
  } finally {
    underWay(context).delete(key);
  }
}

/** Before a start: none of the guest's addresses may be a host's or another running guest's (the agent then probes the network). */
function assertAddressesFree(context: FleetContext, ref: GuestRef): void {
  const ips = context.state.guest(ref.host, ref.guest)?.config?.interfaces.map((guestInterface) => guestInterface.ip) ?? [];
  if (ips.length === 0) return;
  const { refusals } = checkGuestIdentity(context.state.snapshot().hosts, { host: ref.host, name: ref.guest, ips, isNew: false });
  const taken = refusals.filter((conflict) => conflict.kind === 'hostAddress'
    || (conflict.kind === 'address' && conflict.holder.guest !== undefined && context.state.guest(conflict.holder.host, conflict.holder.guest)?.state === 'running'));
  if (taken.length > 0) throw new HostError(ref.host, `not started: ${describeConflicts(taken.map((conflict) => (conflict.kind === 'address' ? { ...conflict, message: `${conflict.message}, which is running` } : conflict)))}`, 'permanent', ref.guest);
}

export async function startGuest(context: FleetContext, ref: FleetApiParsedParams<'guest.start'>, signal?: AbortSignal): Promise<GuestView> {
  assertAddressesFree(context, ref);
  const status = await context.session(ref.host).call('start', { name: ref.guest, ...(ref.force ? { force: true } : {}) }, { guest: ref.guest, timeoutMs: LONG_ACTION_MS, signal });
  return viewAfter(context, ref, status);
}

export async function stopGuest(context: FleetContext, ref: FleetApiParsedParams<'guest.stop'>): Promise<GuestView> {
  const forget = context.state.expectStop(ref.host, ref.guest);
  try {
    const status = await context.session(ref.host).call('stop', { name: ref.guest }, { guest: ref.guest, timeoutMs: LONG_ACTION_MS });
    return viewAfter(context, ref, status);
  } catch (error) {
    forget();
    throw error;
  }
}

export async function restartGuest(context: FleetContext, ref: FleetApiParsedParams<'guest.restart'>, signal?: AbortSignal): Promise<GuestView> {
  const forget = context.state.expectStop(ref.host, ref.guest);
  try {
    assertAddressesFree(context, ref);
    const status = await context.session(ref.host).call('restart', { name: ref.guest }, { guest: ref.guest, timeoutMs: LONG_ACTION_MS, signal });
    return viewAfter(context, ref, status);
  } finally {
    forget();
  }
}

export async function deleteGuest(context: FleetContext, ref: FleetApiParsedParams<'guest.delete'>): Promise<Record<string, never>> {
  await context.session(ref.host).call('delete', { name: ref.guest }, { guest: ref.guest, timeoutMs: LONG_ACTION_MS });
  context.state.removeGuest(ref.host, ref.guest);
  return {};
}

/** The exec's outcome even when the command failed: the outcome says how (exit code, error). */
export async function execGuest(context: FleetContext, request: FleetApiParsedParams<'guest.exec'>, signal?: AbortSignal, output?: OutputBudget): Promise<ExecOutcome> {
  return execInGuest(context.session(request.host), request, signal, output);
}

export async function guestProcesses(context: FleetContext, ref: FleetApiParsedParams<'guest.processes'>): Promise<FleetApiResult<'guest.processes'>> {
  return context.session(ref.host).call('ps', { name: ref.guest }, { guest: ref.guest });
}

export async function guestLimits(context: FleetContext, request: FleetApiParsedParams<'guest.limits'>): Promise<FleetApiResult<'guest.limits'>> {
  const session = context.session(request.host);
  const changes = request.changes;
  if (!changes) return session.call('limitGet', { name: request.guest }, { guest: request.guest });
  return session.call('limitSet', { name: request.guest, limits: changes }, { guest: request.guest });
}

export async function guestCapabilities(context: FleetContext, request: FleetApiParsedParams<'guest.capabilities'>): Promise<FleetApiResult<'guest.capabilities'>> {
  const session = context.session(request.host);
  const changes = request.changes;
  if (!changes) return session.call('capsGet', { name: request.guest }, { guest: request.guest });
  return session.call('capsSet', { name: request.guest, ...changes }, { guest: request.guest });
}

export async function guestUname(context: FleetContext, request: FleetApiParsedParams<'guest.uname'>): Promise<FleetApiResult<'guest.uname'>> {
  const session = context.session(request.host);
  const changes = request.changes;
  if (!changes) return session.call('unameGet', { name: request.guest }, { guest: request.guest });
  return session.call('unameSet', { name: request.guest, ...changes }, { guest: request.guest });
}
