// vfleet guest limit HOST GUEST [--memory SIZE] ...: shows a guest's limits and usage, or sets them.
import { JSON_OPTION, lastValue, numberValue } from '../../../shared/cli/argv';
import { CPU_OPTION, CPUSET_OPTION, MEMORY_OPTION, MEMORY_SOFT_OPTION, NPROC_OPTION } from '../../../shared/cli/vocabulary';
import { bytesCell } from '../../../shared/format/textTable';
import { EXIT_FAILED, EXIT_OK, printJson, type VfleetCommand } from '../cliContext';
import { connectedGuest, guestSpec } from '../guestTarget';

export const guestLimitCommand: VfleetCommand = {
  spec: guestSpec('limit', 'Shows a guest\'s limits and usage; with options, sets them (applied live when it runs).', [MEMORY_OPTION, MEMORY_SOFT_OPTION, NPROC_OPTION, CPU_OPTION, CPUSET_OPTION, JSON_OPTION]),
  run: async (context, args) => {
    const target = await connectedGuest(context, args);
    if (!target) return EXIT_FAILED;
    const { host, guest } = target;
    const memoryHard = lastValue(args, 'memory');
    const memorySoft = lastValue(args, 'memory-soft');
    const processes = numberValue(args, 'nproc');
    const cpu = numberValue(args, 'cpu');
    const cpuSet = lastValue(args, 'cpuset');
    const changes = {
      ...(memoryHard ? { memoryHard } : {}),
      ...(memorySoft ? { memorySoft } : {}),
      ...(processes !== undefined ? { processes } : {}),
      ...(cpu !== undefined ? { cpu } : {}),
      ...(cpuSet ? { cpuSet } : {}),
    };
    const result = await context.core.invoke('guest.limits', { ...target, ...(Object.keys(changes).length > 0 ? { changes } : {}) });
    if (args.flags.has('json')) return printJson(context, result);
    const { limits, memoryCurrent, processesCurrent, memoryHits, processesHits } = result.usage;
    context.out(`${host}/${guest}: memory ${bytesCell(memoryCurrent)} of ${limits.memoryHard !== undefined ? bytesCell(limits.memoryHard) : 'unlimited'} (${memoryHits} hits), ` +
      `processes ${processesCurrent} of ${limits.processes ?? 'unlimited'} (${processesHits} hits)${result.running ? (result.appliedLive ? ', applied live' : '') : ', guest stopped'}\n`);
    return EXIT_OK;
  },
};
