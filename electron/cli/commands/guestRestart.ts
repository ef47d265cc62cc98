// vfleet guest restart HOST GUEST
import { guestStateCommand } from '../guestTarget';

export const guestRestartCommand = guestStateCommand('restart', 'Stops a guest and starts it again.');
