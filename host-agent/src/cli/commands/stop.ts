// vserver NAME stop.
import { stopGuest } from '../../operations/lifecycleOperations';
import { guestStateCommand } from '../commandSupport';

export const stopCommand = guestStateCommand('stop', 'Stops a guest: its init\'s stop runlevel, then every process left.', stopGuest);
