// vfleet guest build HOST GUEST --xid N ...: checked against the whole fleet first (refusals
// stop it, warnings too unless --force; the warnings forced past are printed); Ctrl-C cancels it
// on the host, which leaves nothing behind.
import { lastValue, numberValue, UsageError } from '../../../shared/cli/argv';
import { HOSTNAME_OPTION, INTERFACE_OPTION, METHOD_OPTION, SOURCE_OPTION, XID_OPTION, interfaceValues } from '../../../shared/cli/vocabulary';
import type { BuildParams } from '../../../shared/protocol/schemas';
import { EXIT_FAILED, interruptible, type VfleetCommand } from '../cliContext';
import { connectedGuest, guestSpec, printGuest } from '../guestTarget';

export const guestBuildCommand: VfleetCommand = {
  spec: guestSpec('build', 'Builds a new guest on a host (method busybox unless told).', [
    XID_OPTION, METHOD_OPTION, HOSTNAME_OPTION, INTERFACE_OPTION, SOURCE_OPTION,
    { name: '--force', help: 'build despite warnings (context id or name used on another host); audited' },
  ]),
  run: async (context, args) => {
    const xid = numberValue(args, 'xid');
    if (xid === undefined) throw new UsageError('guest build needs --xid N (the context id)');
    const interfaces = interfaceValues(args);
    // Every host connected, so the fleet-wide checks see every guest.
    const target = await connectedGuest(context, args, true);
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
    const force = args.flags.has('force');
    const built = await interruptible(context, (signal) => context.core.invoke('guest.build', { host: target.host, build, ...(force ? { force } : {}) }, signal));
    for (const warning of built.warnings) context.err(`vfleet: warning (forced): ${warning.message}\n`);
    return printGuest(context, built);
  },
};
