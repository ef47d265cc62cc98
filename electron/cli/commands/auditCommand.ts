// vfleet audit: what was done, by whom, to which host and guest, and how it ended.
import { numberOption, option, parseArgs } from '../cliArgs';
import { EXIT_OK, type CliContext } from '../cliContext';
import { textTable } from '../textTable';

export async function auditCommand(context: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['--host', '--guest', '--action', '--since', '--limit'], flags: ['--json'] });
  const limit = numberOption(args, '--limit');
  const entries = await context.core.invoke('audit.query', {
    ...(option(args, '--host') ? { host: option(args, '--host') } : {}),
    ...(option(args, '--guest') ? { guest: option(args, '--guest') } : {}),
    ...(option(args, '--action') ? { action: option(args, '--action') } : {}),
    ...(option(args, '--since') ? { since: option(args, '--since') } : {}),
    ...(limit ? { limit } : {}),
  });
  if (args.flags.has('--json')) {
    context.out(`${JSON.stringify(entries, null, 2)}\n`);
    return EXIT_OK;
  }
  context.out(textTable(['TIME', 'USER', 'ACTION', 'HOST', 'GUEST', 'RESULT', 'MS'], entries.map((entry) => [
    entry.time.replace(/\.\d+Z$/, 'Z'), entry.user, entry.action, entry.host ?? '-', entry.guest ?? '-',
    entry.result === 'ok' ? 'ok' : `error: ${entry.error ?? ''}`, String(Math.round(entry.durationMs)),
  ])));
  return EXIT_OK;
}
