// The replication's host-side commands (docs/architecture.md, "Replicas and failover"):
//   replicator           the scheduled syncs of this host's replications (detached; exits when none is left)
//   replica-gate ID NAME the forced command of a replication's key on the replica host
//   boot                 what a host's boot runs: the fencing check, start --marked default, the replicator
import type { CommandSpec } from '../../../../shared/cli/argv';
import { UsageError } from '../../../../shared/cli/argv';
import { replicationIdSchema } from '../../../../shared/protocol/replicationSchemas';
import { guestNameSchema } from '../../../../shared/validation';
import { bootHost } from '../../operations/replicationOperations';
import { stopGuest } from '../../operations/lifecycleOperations';
import { cancelOnTermination } from '../../process/termination';
import { runGate, SSH_ORIGINAL_COMMAND } from '../../replication/replicaGate';
import { runReplicator } from '../../replication/replicator';
import { print, type AgentCommand } from '../commandSupport';

const replicatorSpec: CommandSpec = { name: 'replicator', summary: 'Runs this host\'s scheduled replica syncs until no replication is left.', options: [] };

export const replicatorCommand: AgentCommand = {
  spec: replicatorSpec,
  run: async (context) => {
    const controller = new AbortController();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => controller.abort());
    const log = (line: string): void => { process.stdout.write(`${new Date().toISOString()} ${line}\n`); };
    await runReplicator(context, (name) => stopGuest(context, name), controller.signal, log);
    return 0;
  },
};

const gateSpec: CommandSpec = { name: 'replica-gate', args: 'REPLICATION NAME', summary: 'The forced command of a replication\'s key (sshd runs it).', options: [] };

export const replicaGateCommand: AgentCommand = {
  spec: gateSpec,
  run: async (context, args) => {
    const replication = replicationIdSchema.safeParse(args.positionals[0]);
    const name = guestNameSchema.safeParse(args.positionals[1]);
    if (!replication.success || !name.success) throw new UsageError('usage: replica-gate REPLICATION NAME');
    return runGate(context, replication.data, name.data, SSH_ORIGINAL_COMMAND);
  },
};

const bootSpec: CommandSpec = { name: 'boot', summary: 'The host\'s boot: checks replicated guests with their replica hosts, starts marked guests, the replicator.', options: [] };

export const bootCommand: AgentCommand = {
  spec: bootSpec,
  run: async (context) => {
    const { lines, ok } = await cancelOnTermination((signal) => bootHost(context, signal));
    print(lines.length > 0 ? lines.join('\n') : 'No guest is marked \'default\'');
    return ok ? 0 : 1;
  },
};
