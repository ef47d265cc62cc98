// vserver NAME start, and vserver-start --marked MARK (every guest with that mark).
import { lastValue, type CommandSpec } from '../../../../shared/cli/argv';
import { startGuest, startMarkedGuests } from '../../operations/lifecycleOperations';
import { cancelOnTermination } from '../../process/termination';
import { emit, guestName, validated, type AgentCommand } from '../commandSupport';

const spec: CommandSpec = {
  name: 'start',
  args: '[NAME]',
  summary: 'Starts a guest, or every guest with a mark.',
  options: [
    { name: '--marked', aliases: ['-m'], value: 'MARK', help: 'start every guest built with --mark MARK' },
    { name: '--force', help: 'start a copy a migration disabled (moved away, or an unfinished arrival)' },
  ],
};

export const startCommand: AgentCommand = {
  spec,
  run: async (context, args, output) => {
    const mark = lastValue(args, 'marked');
    if (mark !== undefined) {
      const result = await cancelOnTermination((signal) => startMarkedGuests(context, validated('startMarked', { mark }).mark, signal));
      emit(output, result, ({ results }) =>
        results.length === 0
          ? `No guest is marked '${mark}'`
          : results.map((entry) => (entry.ok ? `${entry.name}: running at context ${entry.status?.xid}` : `${entry.name}: FAILED: ${entry.error}`)).join('\n'));
      return result.results.every((entry) => entry.ok) ? 0 : 1;
    }
    const { name, force } = validated('start', { name: guestName(args, spec), ...(args.flags.has('force') ? { force: true } : {}) });
    // On SIGINT/SIGTERM a start still under way stops what it started before the agent exits.
    return emit(output, await cancelOnTermination((signal) => startGuest(context, name, { force, signal })), (status) => `Vserver '${status.name}' is running at context '${status.xid}'`);
  },
};
