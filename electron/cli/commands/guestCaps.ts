// vfleet guest caps HOST GUEST [--bcap CAP,...] [--drop CAP,...]
import { allValues, listValue, negatedList } from '../../../shared/cli/argv';
import { BCAP_DROP_OPTION, BCAP_OPTION } from '../../../shared/cli/vocabulary';
import { EXIT_FAILED, EXIT_OK, type VfleetCommand } from '../cliContext';
import { connectedGuest, guestSpec } from '../guestTarget';

export const guestCapsCommand: VfleetCommand = {
  spec: guestSpec('caps', 'Shows a guest\'s capabilities; with options, changes them (applied at its next start).', [BCAP_OPTION, BCAP_DROP_OPTION]),
  run: async (context, args) => {
    const target = await connectedGuest(context, args);
    if (!target) return EXIT_FAILED;
    const bcaps = negatedList(allValues(args, 'bcap'));
    const add = bcaps.add;
    const drop = [...bcaps.drop, ...(listValue(args, 'drop') ?? [])];
    const changes = { ...(add.length > 0 ? { add } : {}), ...(drop.length > 0 ? { drop } : {}) };
    const result = await context.core.invoke('guest.capabilities', { ...target, ...(Object.keys(changes).length > 0 ? { changes } : {}) });
    context.out(`${target.host}/${target.guest}: bcapabilities ${result.bcapabilities.join(',') || '-'}; ccapabilities ${result.ccapabilities.join(',') || '-'}\n`);
    return EXIT_OK;
  },
};
