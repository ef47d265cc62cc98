// vfleet hosts list: the registry with each host's trust state.
import { JSON_OPTION } from '../../../shared/cli/argv';
import { textTable } from '../../../shared/format/textTable';
import { EXIT_OK, printJson, type VfleetCommand } from '../cliContext';

export const hostsListCommand: VfleetCommand = {
  spec: { name: 'hosts list', summary: 'Lists the registered hosts.', options: [JSON_OPTION] },
  run: async (context, args) => {
    const hosts = await context.core.invoke('hosts.list', {});
    if (args.flags.has('json')) return printJson(context, hosts);
    context.out(textTable(['NAME', 'ADDRESS', 'USER', 'AUTH', 'JUMP', 'TAGS', 'KEY'], hosts.map((host) => [
      host.name, `${host.address}:${host.port}`, host.user, host.auth.kind, host.jump ?? '-', host.tags.join(',') || '-',
      host.trust.state === 'trusted' ? host.trust.accepted?.fingerprint ?? 'trusted' : `${host.trust.state}${host.trust.offered ? ` ${host.trust.offered.fingerprint}` : ''}`,
    ])));
    return EXIT_OK;
  },
};
