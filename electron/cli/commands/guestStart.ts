// vfleet guest start HOST GUEST
import { EXIT_FAILED, type VfleetCommand } from '../cliContext';
import { connectedGuest, guestSpec, printGuest } from '../guestTarget';

export const guestStartCommand: VfleetCommand = {
  spec: guestSpec('start', 'Starts a guest.'),
  run: async (context, args) => {
    const target = await connectedGuest(context, args);
    return target ? printGuest(context, await context.core.invoke('guest.start', target)) : EXIT_FAILED;
  },
};
