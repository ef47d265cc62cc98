// vfleet guest stop HOST GUEST
import { EXIT_FAILED, type VfleetCommand } from '../cliContext';
import { connectedGuest, guestSpec, printGuest } from '../guestTarget';

export const guestStopCommand: VfleetCommand = {
  spec: guestSpec('stop', 'Stops a guest.'),
  run: async (context, args) => {
    const target = await connectedGuest(context, args);
    return target ? printGuest(context, await context.core.invoke('guest.stop', target)) : EXIT_FAILED;
  },
};
