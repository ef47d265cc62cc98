// Guest actions through the app API: each checks the guest's host, calls its agent, updates the
// fleet state with what the agent answered (what the audit log records of them is the dispatcher's table).
import type { GuestView } from '../../../shared/api/fleetState';
import type { ExecOutcome, GuestRef } from '../../../shared/api/guestActions';
import type { FleetApiParsedParams, FleetApiResult } from '../../../shared/api/fleetApi';
import type { GuestStatus } from '../../../shared/domain/guest';
import type { FleetContext } from './fleetContext';
import { execInGuest, type OutputBudget } from './guestExec';

const LONG_ACTION_MS = 600_000;

function viewAfter(context: FleetContext, ref: GuestRef, status: GuestStatus): GuestView {
  context.state.applyGuestStatus(ref.host, status);
  const view = context.state.guest(ref.host, ref.guest);
  if (!view) throw new Error(`Host ${ref.host}, guest ${ref.guest}: the guest vanished from the fleet state`);
  return view;
}

export async function buildGuest(context: FleetContext, request: FleetApiParsedParams<'guest.build'>): Promise<FleetApiResult<'guest.build'>> {
  const ref = { host: request.host, guest: request.build.name };
  const session = context.session(request.host);
  const built = await session.call('build', request.build, { guest: ref.guest, timeoutMs: LONG_ACTION_MS });
  const status = await session.call('status', { name: ref.guest }, { guest: ref.guest });
  context.state.applyGuestStatus(ref.host, status, built.config);
  return viewAfter(context, ref, status);
}

export async function startGuest(context: FleetContext, ref: FleetApiParsedParams<'guest.start'>): Promise<GuestView> {
  const status = await context.session(ref.host).call('start', { name: ref.guest, ...(ref.force ? { force: true } : {}) }, { guest: ref.guest, timeoutMs: LONG_ACTION_MS });
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

export async function restartGuest(context: FleetContext, ref: FleetApiParsedParams<'guest.restart'>): Promise<GuestView> {
  const forget = context.state.expectStop(ref.host, ref.guest);
  try {
    const status = await context.session(ref.host).call('restart', { name: ref.guest }, { guest: ref.guest, timeoutMs: LONG_ACTION_MS });
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
