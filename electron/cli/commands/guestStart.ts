// vfleet guest start HOST GUEST
import { guestStateCommand } from '../guestTarget';

export const guestStartCommand = guestStateCommand('start', 'Starts a guest.');
