// Validation shared by the agent protocol, the agent CLI and the fleet core.
export * from './guestName';
export * from './xid';
export * from './network';
export * from './size';
export * from './path';
export * from './uts';
export * from './capabilities';
export * from './limits';
