// vfleet replicas: every replication the hosts know, with the replica's age (the data a failover
// would lose now), size, last result and whether it is stale (older than three intervals).
import { JSON_OPTION } from '../../../shared/cli/argv';
import { formatAge } from '../../../shared/api/replication';
import { formatBytes } from '../../../shared/format/byteSize';
import { textTable } from '../../../shared/format/textTable';
import { connectForCommand, EXIT_OK, printJson, type VfleetCommand } from '../cliContext';

export const replicasCommand: VfleetCommand = {
  spec: { name: 'replicas', summary: 'Lists the replicas: age, size, last result, stale.', options: [JSON_OPTION] },
  run: async (context, args) => {
    await connectForCommand(context);
    const replicas = await context.core.invoke('replicas.list', {});
    if (args.flags.has('json')) return printJson(context, replicas);
    context.out(textTable(['GUEST', 'REPLICA ON', 'ROLE', 'GEN', 'EVERY', 'AGE', 'SIZE', 'LAST', 'STALE', 'NOTES'], replicas.map((view) => [
      `${view.host}/${view.guest}`, view.to, view.role ?? '-', String(view.generation ?? '-'), formatAge(view.intervalMs),
      view.ageMs !== undefined ? formatAge(view.ageMs) : '-', view.sizeBytes !== undefined ? formatBytes(view.sizeBytes) : '-',
      view.lastAttempt ? `${view.lastAttempt.result}${view.lastAttempt.error ? `: ${view.lastAttempt.error}` : ''}` : '-',
      view.stale ? 'STALE' : 'no', view.notes.join('; ') || '-',
    ])));
    return EXIT_OK;
  },
};
