// vserver NAME build: a new guest from skeleton, busybox, template, rsync or debootstrap.
import { lastValue, parseArgv, UsageError, type CommandSpec } from '../../../../shared/cli/argv';
import {
  DOMAINNAME_OPTION, HOSTNAME_OPTION, INTERFACE_OPTION, METHOD_OPTION, SOURCE_OPTION, XID_OPTION, interfaceValues,
} from '../../../../shared/cli/vocabulary';
import { buildGuestLocked } from '../../operations/buildOperation';
import { cancelOnTermination } from '../../process/termination';
import { emit, guestName, validated, type AgentCommand } from '../commandSupport';

const DISTRIBUTION_OPTION = { name: '-d', value: 'DIST', help: 'debootstrap distribution, e.g. bookworm' };
const MIRROR_OPTION = { name: '--mirror', value: 'URL', help: 'debootstrap mirror' };

/** util-vserver puts method arguments after "--", where -m is the debootstrap mirror. */
const METHOD_ARGS_SPEC = {
  name: 'build -- METHOD-ARGS',
  options: [SOURCE_OPTION, DISTRIBUTION_OPTION, { ...MIRROR_OPTION, aliases: ['-m'] }],
};

const spec: CommandSpec = {
  name: 'build',
  args: 'NAME [-- METHOD-ARGS [-- DEBOOTSTRAP-OPTIONS]]',
  summary: 'Builds a new guest (vserver NAME build).',
  options: [
    METHOD_OPTION, XID_OPTION, HOSTNAME_OPTION, DOMAINNAME_OPTION, INTERFACE_OPTION,
    { name: '--initstyle', value: 'plain|sysv', help: 'how the guest boots' },
    { name: '--mark', value: 'MARK', help: 'start the guest with start --marked MARK' },
    SOURCE_OPTION, DISTRIBUTION_OPTION, MIRROR_OPTION,
  ],
};

export const buildCommand: AgentCommand = {
  spec,
  run: async (context, args, output) => {
    const name = guestName(args, spec);
    // Method arguments after "--" (e.g. -- --source /srv/old or -- -d bookworm -m URL), and
    // debootstrap's own options after a second "--" (e.g. -- -d bookworm -- --include=openssh-server).
    const methodArgs = parseArgv(args.rest, METHOD_ARGS_SPEC);
    const pick = (key: string): string | undefined => lastValue(methodArgs, key) ?? lastValue(args, key);
    const xidText = lastValue(args, 'xid');
    if (xidText === undefined) throw new UsageError('build needs --xid XID (a static context id between 2 and 49151)');
    const interfaces = interfaceValues(args);
    const params = validated('build', {
      name,
      method: lastValue(args, 'method'),
      xid: Number(xidText),
      hostname: lastValue(args, 'hostname'),
      domainname: lastValue(args, 'domainname'),
      interfaces,
      initStyle: lastValue(args, 'initstyle'),
      mark: lastValue(args, 'mark'),
      source: pick('source'),
      distribution: pick('d'),
      mirror: pick('mirror'),
      debootstrapOptions: methodArgs.rest.length > 0 ? methodArgs.rest : undefined,
    });
    // On SIGINT/SIGTERM the build removes its temporary directories before the agent exits.
    const result = await cancelOnTermination((signal) => buildGuestLocked(context, params, signal));
    return emit(output, result, ({ config }) => `Guest '${config.name}' built at context ${config.xid} in ${config.rootDir} (start it with: start ${config.name})`);
  },
};
