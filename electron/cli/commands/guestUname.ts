// vfleet guest uname HOST GUEST [--hostname N] [--domainname D]
import { lastValue } from '../../../shared/cli/argv';
import { DOMAINNAME_OPTION, HOSTNAME_OPTION } from '../../../shared/cli/vocabulary';
import { EXIT_FAILED, EXIT_OK, type VfleetCommand } from '../cliContext';
import { connectedGuest, guestSpec } from '../guestTarget';

export const guestUnameCommand: VfleetCommand = {
  spec: guestSpec('uname', 'Shows a guest\'s host and domain name; with options, sets them.', [HOSTNAME_OPTION, DOMAINNAME_OPTION]),
  run: async (context, args) => {
    const target = await connectedGuest(context, args);
    if (!target) return EXIT_FAILED;
    const nodename = lastValue(args, 'hostname');
    const domainname = lastValue(args, 'domainname');
    const changes = { ...(nodename ? { nodename } : {}), ...(domainname ? { domainname } : {}) };
    const result = await context.core.invoke('guest.uname', { ...target, ...(Object.keys(changes).length > 0 ? { changes } : {}) });
    context.out(`${target.host}/${target.guest}: nodename ${result.nodename}, domainname ${result.domainname || '-'}\n`);
    return EXIT_OK;
  },
};
