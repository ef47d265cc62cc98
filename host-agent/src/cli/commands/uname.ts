// vuname for one guest: without options shows nodename, domainname and flags, with options sets them.
import { allValues, lastValue, negatedList, type CommandSpec } from '../../../../shared/cli/argv';
import { DOMAINNAME_OPTION, HOSTNAME_OPTION } from '../../../../shared/cli/vocabulary';
import { getGuestUname, setGuestUname } from '../../operations/attributeOperations';
import { emit, guestName, validated, type AgentCommand } from '../commandSupport';
import { formatUname } from '../humanFormat';

const spec: CommandSpec = {
  name: 'uname',
  args: 'NAME',
  summary: 'Shows a guest\'s names and context flags; with options, sets them (names live, flags at the next start).',
  options: [HOSTNAME_OPTION, DOMAINNAME_OPTION, { name: '--flag', value: 'FLAG', help: 'set a context flag (~FLAG clears); repeat for more' }],
};

export const unameCommand: AgentCommand = {
  spec,
  run: async (context, args, output) => {
    const name = guestName(args, spec);
    if (args.values.size === 0) return emit(output, await getGuestUname(context, validated('unameGet', { name }).name), formatUname);
    const flags = negatedList(allValues(args, 'flag'));
    const params = validated('unameSet', {
      name, nodename: lastValue(args, 'hostname'), domainname: lastValue(args, 'domainname'), flagAdd: flags.add, flagDrop: flags.drop,
    });
    return emit(output, await setGuestUname(context, params), formatUname);
  },
};
