// vfleet migrations [--resume]: the journaled migrations, finished or not, and what their
// resolution did; --resume resolves the unfinished ones now.
import { JSON_OPTION } from '../../../shared/cli/argv';
import { textTable } from '../../../shared/format/textTable';
import { connectForCommand, EXIT_OK, printJson, type VfleetCommand } from '../cliContext';

export const migrationsCommand: VfleetCommand = {
  spec: {
    name: 'migrations',
    summary: 'Lists the journaled migrations, oldest first.',
    options: [{ name: '--resume', help: 'resolve the unfinished ones now (back before verification, forward after)' }, JSON_OPTION],
  },
  run: async (context, args) => {
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
