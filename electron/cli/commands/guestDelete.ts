// vfleet guest delete HOST GUEST
import { EXIT_FAILED, EXIT_OK, type VfleetCommand } from '../cliContext';
import { connectedGuest, guestSpec } from '../guestTarget';

export const guestDeleteCommand: VfleetCommand = {
  spec: guestSpec('delete', 'Deletes a stopped guest: its root, configuration and kernel objects.'),
  run: async (context, args) => {
    const target = await connectedGuest(context, args);
    if (!target) return EXIT_FAILED;
    await context.core.invoke('guest.delete', target);
    context.out(`deleted ${target.guest} on ${target.host}\n`);
    return EXIT_OK;
  },
};
