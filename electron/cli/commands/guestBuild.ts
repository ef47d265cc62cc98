// vfleet guest build HOST GUEST --xid N ...
import { lastValue, numberValue, UsageError } from '../../../shared/cli/argv';
import { HOSTNAME_OPTION, INTERFACE_OPTION, METHOD_OPTION, SOURCE_OPTION, XID_OPTION, interfaceValues } from '../../../shared/cli/vocabulary';
import type { BuildParams } from '../../../shared/protocol/schemas';
import { EXIT_FAILED, type VfleetCommand } from '../cliContext';
import { connectedGuest, guestSpec, printGuest } from '../guestTarget';

export const guestBuildCommand: VfleetCommand = {
  spec: guestSpec('build', 'Builds a new guest on a host (method busybox unless told).', [XID_OPTION, METHOD_OPTION, HOSTNAME_OPTION, INTERFACE_OPTION, SOURCE_OPTION]),
  run: async (context, args) => {
    const xid = numberValue(args, 'xid');
    if (xid === undefined) throw new UsageError('guest build needs --xid N (the context id)');
    const interfaces = interfaceValues(args);
    const target = await connectedGuest(context, args);
    if (!target) return EXIT_FAILED;
    const hostname = lastValue(args, 'hostname');
    const source = lastValue(args, 'source');
    const build = {
      name: target.guest,
      method: (lastValue(args, 'method') ?? 'busybox') as BuildParams['method'],
      xid,
      ...(hostname ? { hostname } : {}),
      ...(source ? { source } : {}),
      interfaces,
    };
    return printGuest(context, await context.core.invoke('guest.build', { host: target.host, build }));
  },
};
