// vfleet audit: what was done, by whom, to which host and guest, and how it ended.
import { JSON_OPTION, lastValue, numberValue } from '../../../shared/cli/argv';
import { textTable } from '../../../shared/format/textTable';
import { EXIT_OK, printJson, type VfleetCommand } from '../cliContext';

export const auditCommand: VfleetCommand = {
  spec: {
    name: 'audit',
    summary: 'Shows the audit log, newest last.',
    options: [
      { name: '--host', value: 'H', help: 'only actions on this host' },
      { name: '--guest', value: 'G', help: 'only actions on this guest' },
      { name: '--action', value: 'A', help: 'only this action, e.g. guest.start' },
      { name: '--since', value: 'ISO', help: 'only actions since this time' },
      { name: '--limit', value: 'N', help: 'at most N entries' },
      JSON_OPTION,
    ],
  },
  run: async (context, args) => {
    const limit = numberValue(args, 'limit');
    const filters = Object.fromEntries(['host', 'guest', 'action', 'since'].flatMap((key) => {
      const value = lastValue(args, key);
      return value ? [[key, value]] : [];
    }));
    const entries = await context.core.invoke('audit.query', { ...filters, ...(limit ? { limit } : {}) });
    if (args.flags.has('json')) return printJson(context, entries);
    context.out(textTable(['TIME', 'USER', 'ACTION', 'HOST', 'GUEST', 'RESULT', 'MS'], entries.map((entry) => [
      entry.time.replace(/\.\d+Z$/, 'Z'), entry.user, entry.action, entry.host ?? '-', entry.guest ?? '-',
      entry.result === 'ok' ? 'ok' : `error: ${entry.error ?? ''}`, String(Math.round(entry.durationMs)),
    ])));
    return EXIT_OK;
  },
};
