// The agent command both ends of a relayed migration transfer run, as the core opens it and the
// agent parses it: `migration-relay source|target|rsh MIGRATION TREE` (host-agent/src/migration/relayPipe.ts,
// electron/core/migration/migrationRelay.ts).
export const RELAY_COMMAND = 'migration-relay';
export const RELAY_TREES = ['root', 'config'] as const;
/** The ends the core opens as exec channels (`rsh` is run by rsync on the source, already root). */
export const RELAY_CHANNEL_ENDS = ['source', 'target'] as const;
export type RelayTree = (typeof RELAY_TREES)[number];
/** What the source end writes on stderr once it listens for rsync. */
export const RELAY_READY = 'ready';
