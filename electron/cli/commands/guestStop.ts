// vfleet guest stop HOST GUEST
import { guestStateCommand } from '../guestTarget';

export const guestStopCommand = guestStateCommand('stop', 'Stops a guest.');
