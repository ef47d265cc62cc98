// vfleet guest restart HOST GUEST
import { EXIT_FAILED, type VfleetCommand } from '../cliContext';
import { connectedGuest, guestSpec, printGuest } from '../guestTarget';

export const guestRestartCommand: VfleetCommand = {
  spec: guestSpec('restart', 'Stops a guest and starts it again.'),
  run: async (context, args) => {
    const target = await connectedGuest(context, args);
    return target ? printGuest(context, await context.core.invoke('guest.restart', target)) : EXIT_FAILED;
  },
};
