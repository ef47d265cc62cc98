// Host actions through the app API: registry changes, key approval, imports, and connecting or
// disconnecting hosts (what the audit log records of them is the dispatcher's table).
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { FleetApiParsedParams, FleetApiResult } from '../../../shared/api/fleetApi';
import type { HostStatus } from '../../../shared/api/fleetState';
import { applyImport, previewAnsibleImport, previewSshConfigImport } from '../import/hostImport';
import { HostRegistryError } from '../hosts/hostRegistryError';
import type { FleetContext } from './fleetContext';

const DEFAULT_CONNECT_WAIT_MS = 60_000;

export async function addHost(context: FleetContext, params: FleetApiParsedParams<'hosts.add'>): Promise<FleetApiResult<'hosts.add'>> {
  const host = await context.registry.add(params);
  context.syncRegistry();
  return host;
}

export async function updateHost(context: FleetContext, params: FleetApiParsedParams<'hosts.update'>): Promise<FleetApiResult<'hosts.update'>> {
  const host = await context.registry.update(params.name, params.patch);
  context.syncRegistry();
  return host;
}

export async function removeHost(context: FleetContext, params: FleetApiParsedParams<'hosts.remove'>): Promise<FleetApiResult<'hosts.remove'>> {
  await context.registry.remove(params.name);
  context.disconnect(params.name);
  context.syncRegistry();
  return {};
}

export async function approveHostKey(context: FleetContext, params: FleetApiParsedParams<'hosts.approveKey'>): Promise<FleetApiResult<'hosts.approveKey'>> {
  const host = await context.registry.approveHostKey(params.name, params.fingerprint);
  context.syncRegistry();
  const session = context.session(params.name);
  const state = session.connection.status.state;
  if (state === 'pendingApproval' || state === 'blocked') context.connect(params.name);
  return host;
}

export async function previewHostImport(context: FleetContext, params: FleetApiParsedParams<'hosts.importPreview'>): Promise<FleetApiResult<'hosts.importPreview'>> {
  return params.kind === 'ssh_config'
    ? previewSshConfigImport(context.registry, params.path)
    : previewAnsibleImport(context.registry, params.path, { format: params.kind });
}

export async function applyHostImport(context: FleetContext, params: FleetApiParsedParams<'hosts.importApply'>): Promise<FleetApiResult<'hosts.importApply'>> {
  const preview = await previewHostImport(context, params);
  const chosen = params.names;
  if (chosen) {
    // The admin's selection of the preview: a name that is not among the hosts to add refuses the whole call.
    const addable = new Set(preview.toAdd.map((candidate) => candidate.host.name));
    const unknown = chosen.filter((name) => !addable.has(name));
    if (unknown.length > 0) {
      throw new HostRegistryError('notFound', unknown[0] as string, `${unknown.join(', ')}: not among the hosts ${params.path} would add (${[...addable].join(', ') || 'none'}); nothing was imported`);
    }
  }
  const selected = chosen ? { ...preview, toAdd: preview.toAdd.filter((candidate) => chosen.includes(candidate.host.name)) } : preview;
  const result = await applyImport(context.registry, selected);
  context.syncRegistry();
  return result;
}

/** Whether ssh-agent can log in from here (SSH_AUTH_SOCK names a socket), and the user's ~/.ssh/config. */
export async function hostDefaults(env: NodeJS.ProcessEnv = process.env): Promise<FleetApiResult<'hosts.defaults'>> {
  const sshConfigPath = path.join(homedir(), '.ssh', 'config');
  const socket = env.SSH_AUTH_SOCK;
  if (!socket) return { sshAgent: { usable: false, detail: 'no ssh-agent: SSH_AUTH_SOCK is not set where vfleet runs' }, sshConfigPath };
  const found = await stat(socket).catch(() => undefined);
  if (!found?.isSocket()) return { sshAgent: { usable: false, detail: `SSH_AUTH_SOCK names ${socket}, which is not a socket` }, sshConfigPath };
  return { sshAgent: { usable: true, detail: `ssh-agent at ${socket}` }, sshConfigPath };
}

/** Starts the hosts and waits until each is connected with its agent synced, or needs the admin. */
export async function connectHosts(context: FleetContext, params: FleetApiParsedParams<'hosts.connect'>): Promise<HostStatus[]> {
  const names = params.names ?? context.registry.list().map((host) => host.name);
  for (const name of names) context.registry.require(name);
  const waitMs = params.timeoutMs ?? DEFAULT_CONNECT_WAIT_MS;
  await Promise.all(names.map(async (name) => {
    const session = context.connect(name);
    if (session.isReady) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        session.off('synced', done);
        session.off('setupFailed', done);
        session.connection.off('status', onStatus);
        resolve();
      };
      const onStatus = (): void => {
        const state = session.connection.status.state;
        if (state === 'pendingApproval' || state === 'blocked' || state === 'failed' || state === 'disconnected') done();
      };
      const timer = setTimeout(done, waitMs);
      session.on('synced', done);
      session.on('setupFailed', done);
      session.connection.on('status', onStatus);
      onStatus();
    });
  }));
  return names.flatMap((name): HostStatus[] => {
    const view = context.state.host(name);
    if (!view) return [];
    const { guests: _guests, ...status } = view;
    return [status];
  });
}

export function disconnectHosts(context: FleetContext, params: FleetApiParsedParams<'hosts.disconnect'>): FleetApiResult<'hosts.disconnect'> {
  for (const name of params.names ?? context.registry.list().map((host) => host.name)) context.disconnect(name);
  return {};
}
