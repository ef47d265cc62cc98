// vfleet hosts connect [NAME...]: connects, uploading the agent where needed, and shows each state.
import { textTable } from '../../../shared/format/textTable';
import { EXIT_FAILED, EXIT_OK, type VfleetCommand } from '../cliContext';

export const hostsConnectCommand: VfleetCommand = {
  spec: { name: 'hosts connect', args: '[NAME...]', summary: 'Connects the hosts (all without names) and shows their state.', options: [] },
  run: async (context, args) => {
    const names = args.positionals.length > 0 ? args.positionals : undefined;
    const statuses = await context.core.invoke('hosts.connect', { ...(names ? { names } : {}), timeoutMs: context.connectTimeoutMs });
    context.out(textTable(['HOST', 'STATE', 'AGENT', 'DETAIL'], statuses.map((status) => [
      status.name, status.connection,
      status.agent ? `${status.agent.version} (${status.agent.uploaded ? 'uploaded' : 'present'})` : '-',
      status.connection === 'connected' ? status.agentError ?? `${status.info?.kernel ?? ''} ${status.agent?.driver ?? ''}`.trim() : status.error ?? '',
    ])));
    return statuses.every((status) => status.connection === 'connected') ? EXIT_OK : EXIT_FAILED;
  },
};
