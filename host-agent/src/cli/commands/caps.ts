// vattribute --bcap/--ccap for one guest: without options shows its capabilities, with options changes them.
import { allValues, negatedList, type CommandSpec } from '../../../../shared/cli/argv';
import { BCAP_DROP_OPTION, BCAP_OPTION } from '../../../../shared/cli/vocabulary';
import { getGuestCaps, setGuestCaps } from '../../operations/attributeOperations';
import { emit, guestName, validated, type AgentCommand } from '../commandSupport';
import { formatCaps } from '../humanFormat';

const spec: CommandSpec = {
  name: 'caps',
  args: 'NAME',
  summary: 'Shows a guest\'s capabilities; with options, changes them (applied at its next start).',
  options: [
    BCAP_OPTION, BCAP_DROP_OPTION,
    { name: '--ccap', value: 'CCAP', help: 'add a context capability (~CCAP removes); repeat for more' },
    { name: '--ccap-drop', value: 'CCAP', help: 'remove a context capability' },
  ],
};

export const capsCommand: AgentCommand = {
  spec,
  run: async (context, args, output) => {
    const name = guestName(args, spec);
    if (args.values.size === 0) return emit(output, await getGuestCaps(context, validated('capsGet', { name }).name), formatCaps);
    const bcaps = negatedList(allValues(args, 'bcap'));
    const ccaps = negatedList(allValues(args, 'ccap'));
    const params = validated('capsSet', {
      name,
      add: bcaps.add,
      drop: [...bcaps.drop, ...allValues(args, 'drop')],
      ccapAdd: ccaps.add,
      ccapDrop: [...ccaps.drop, ...allValues(args, 'ccap-drop')],
    });
    return emit(output, await setGuestCaps(context, params), formatCaps);
  },
};
