// What import-ssh-config and import-ansible share: a preview of the hosts a file names, added
// only with --apply.
import path from 'node:path';
import { JSON_OPTION, type OptionDef, type ParsedArgv } from '../../shared/cli/argv';
import type { ImportPreview, ImportSourceKind } from '../../shared/api/hosts';
import { textTable } from '../../shared/format/textTable';
import { EXIT_FAILED, EXIT_OK, type CliContext } from './cliContext';

export const IMPORT_OPTIONS: readonly OptionDef[] = [{ name: '--apply', help: 'add the hosts (without it: only show them)' }, JSON_OPTION];

export async function importHosts(context: CliContext, args: ParsedArgv, kind: ImportSourceKind, file: string): Promise<number> {
  const source = { kind, path: path.resolve(file) };
  const preview = await context.core.invoke('hosts.importPreview', source);
  const json = args.flags.has('json');
  context.out(json ? `${JSON.stringify(preview, null, 2)}\n` : describePreview(preview));
  if (!args.flags.has('apply')) {
    if (preview.toAdd.length > 0 && !json) context.out('nothing added yet: run again with --apply to add these hosts\n');
    return EXIT_OK;
  }
  const result = await context.core.invoke('hosts.importApply', source);
  context.out(`added ${result.added.length} host(s)${result.added.length ? `: ${result.added.join(', ')}` : ''}\n`);
  for (const skipped of result.notAdded) context.err(`vfleet: not added ${skipped.name}: ${skipped.reason}\n`);
  return result.notAdded.length === 0 ? EXIT_OK : EXIT_FAILED;
}

function describePreview(preview: ImportPreview): string {
  const rows = [
    ...preview.toAdd.map((candidate) => ['add', candidate.host.name, `${candidate.host.user ?? 'root'}@${candidate.host.address}:${candidate.host.port ?? 22}`, (candidate.host.tags ?? []).join(',') || '-', candidate.origin]),
    ...preview.existing.map((candidate) => ['exists', candidate.host.name, `as ${candidate.existingName} (${candidate.reason})`, '-', candidate.origin]),
    ...preview.skipped.map((skipped) => ['skip', skipped.entry, skipped.reason, '-', skipped.origin]),
  ];
  return textTable(['ACTION', 'HOST', 'TARGET', 'TAGS', 'FROM'], rows) + preview.warnings.map((warning) => `warning: ${warning}\n`).join('');
}
