// The sudoers rule vfleet asks a host's admin for when it logs in as a non-root user: the installer
// (its code, with this workstation's public key, is part of the rule, so the user cannot swap it),
// the start of an installed agent from root-owned /var/lib/vfleet/agent/<sha256>/ (the hash matched
// character by character, so no path of the user's choosing fits), and that agent's two ends of a
// relayed migration (`migration-relay source|target <id> root|config`, each word and the id's every
// character matched: migrationRelay.ts opens them as exec channels of their own). The relay ends
// give nothing `serve --stdio` does not: both write only below a migration's staging directory.
import { RELAY_CHANNEL_ENDS, RELAY_COMMAND, RELAY_TREES } from '../../../shared/protocol/migrationRelay';
import { AdminActionError } from './adminActionError';
import { AGENT_FILE_NAME, AGENT_NODE_FLAGS, installScript, ROOT_AGENT_BASE } from './agentInstallScript';
import type { AgentSigningKey } from './agentSigningKey';

/**
 * A migration id as the coordinator makes them (`m-`, 8 base-36 digits of the time and 8 hex
 * digits: newMigrationId in migration/migrationCoordinator.ts), one sudoers class per character,
 * since a `*` there would match spaces, i.e. further arguments.
 */
const MIGRATION_ID_GLOB = `m-${'[0-9a-z]'.repeat(16)}`;

const SUDO_PASSWORD = /a password is required|a terminal is required|no tty present|askpass/i;

/** An argument as a sudoers Cmnd spells it: sudoers' own specials and glob characters escaped
// (a backslash would need a different escape inside a pattern than outside, so none is allowed). */
export function sudoersArgument(argument: string): string {
  if (/[\t\n\r#\\]| {2}/.test(argument)) throw new Error('a sudoers argument cannot hold a tab, a newline, a double space, # or a backslash');
  return argument.replace(/[,:=[\]*?]/g, (special) => `\\${special}`);
}

export function agentSudoersRule(user: string, nodePath: string, signingKey: AgentSigningKey): string {
  const anyHash = '[0-9a-f]'.repeat(64);
  const agent = `${[nodePath, ...AGENT_NODE_FLAGS.map(sudoersArgument)].join(' ')} ${ROOT_AGENT_BASE}/${anyHash}/${AGENT_FILE_NAME}`;
  const start = `${agent} serve --stdio`;
  const relayEnds = RELAY_CHANNEL_ENDS.flatMap((end) => RELAY_TREES.map((tree) => `${agent} ${RELAY_COMMAND} ${end} ${MIGRATION_ID_GLOB} ${tree}`));
  const install = `${nodePath} -e ${sudoersArgument(installScript(signingKey.publicKeyDer))}`;
  return `${user} ALL=(root) NOPASSWD: ${[start, ...relayEnds, install].join(', ')}`;
}

/** The host's error when sudo's answer (stderr) means it wants a password, naming the rule to add. */
export function sudoPasswordRefusal(host: string, user: string, stderr: string, nodePath: string, signingKey: AgentSigningKey): AdminActionError | undefined {
  if (!SUDO_PASSWORD.test(stderr)) return undefined;
  return new AdminActionError(host, `sudo asks ${user} for a password; vfleet runs 'sudo -n' and cannot type one. Allow ${user} to install and start the vfleet agent (and its relay ends) without a password (sudoers: ${agentSudoersRule(user, nodePath, signingKey)}) or connect as root`);
}
