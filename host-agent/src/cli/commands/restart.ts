// vserver NAME restart.
import { restartGuest } from '../../operations/lifecycleOperations';
import { guestStateCommand } from '../commandSupport';

export const restartCommand = guestStateCommand('restart', 'Stops a guest and starts it again.', restartGuest);
