// vfleet migrations [--resume | --abort ID]: the journaled migrations, finished or not, and what
// their resolution did; --resume resolves the unfinished ones now; --abort aborts one (before its
// switch) or rolls it back to its source (after it).
import { JSON_OPTION, lastValue, UsageError } from '../../../shared/cli/argv';
import { textTable } from '../../../shared/format/textTable';
import { connectForCommand, EXIT_OK, printJson, type VfleetCommand } from '../cliContext';

export const migrationsCommand: VfleetCommand = {
  spec: {
    name: 'migrations',
    summary: 'Lists the journaled migrations, oldest first.',
    options: [
      { name: '--resume', help: 'resolve the unfinished ones now (back before verification, forward after)' },
      { name: '--abort', value: 'ID', help: 'abort that migration: before its switch the target\'s copy is removed, after it the guest goes back to its source' },
      JSON_OPTION,
    ],
  },
  run: async (context, args) => {
    const abort = lastValue(args, 'abort');
    if (abort !== undefined) {
      if (args.flags.has('resume')) throw new UsageError('--abort and --resume do not go together');
      await connectForCommand(context);
      const journal = await context.core.invoke('migrations.abort', { migration: abort });
      if (args.flags.has('json')) return printJson(context, journal);
      context.out(`migration ${journal.migration} of ${journal.guest} from ${journal.host} to ${journal.to}: ${journal.phase}${journal.note ? ` (${journal.note})` : ''}\n`);
      return EXIT_OK;
    }
    if (args.flags.has('resume')) await connectForCommand(context);
    const journals = await context.core.invoke(args.flags.has('resume') ? 'migrations.resolve' : 'migrations.list', {});
    if (args.flags.has('json')) return printJson(context, journals);
    context.out(textTable(['MIGRATION', 'STARTED', 'GUEST', 'FROM', 'TO', 'MODE', 'PHASE', 'NOTE'], journals.map((journal) => [
      journal.migration, new Date(journal.startedAt).toISOString().replace(/\.\d+Z$/, 'Z'), journal.guest, journal.host, journal.to,
      journal.mode, journal.phase, journal.note ?? '-',
    ])));
    return EXIT_OK;
  },
};
