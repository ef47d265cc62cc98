// vlimit and vsched for one guest: without options shows the limits and usage, with options sets them.
import type { CommandSpec } from '../../../../shared/cli/argv';
import { CPU_OPTION, CPUSET_OPTION, MEMORY_OPTION, MEMORY_SOFT_OPTION, NPROC_OPTION } from '../../../../shared/cli/vocabulary';
import { getGuestLimits, setGuestLimits } from '../../operations/limitOperations';
import { emit, guestName, limitOption, validated, type AgentCommand } from '../commandSupport';
import { formatLimits } from '../humanFormat';

const spec: CommandSpec = {
  name: 'limit',
  args: 'NAME',
  summary: 'Shows a guest\'s limits and usage; with options, sets them (applied live when it runs). inf removes a limit.',
  options: [
    MEMORY_OPTION, MEMORY_SOFT_OPTION, NPROC_OPTION, CPU_OPTION,
    { name: '--fill-rate', value: 'N', help: 'CPU token bucket: N tokens every --interval ticks (vsched)' },
    { name: '--interval', value: 'N', help: 'CPU token bucket interval in ticks (vsched)' },
    CPUSET_OPTION,
    { name: '--io-weight', value: 'N', help: 'block I/O weight 1..10000 (default 100)' },
  ],
};

export const limitCommand: AgentCommand = {
  spec,
  run: async (context, args, output) => {
    const name = guestName(args, spec);
    if (args.values.size === 0) return emit(output, await getGuestLimits(context, validated('limitGet', { name }).name), formatLimits);
    const params = validated('limitSet', {
      name,
      limits: {
        memoryHard: limitOption(args, 'memory', false),
        memorySoft: limitOption(args, 'memory-soft', false),
        processes: limitOption(args, 'nproc', true),
        cpu: limitOption(args, 'cpu', true),
        cpuFillRate: limitOption(args, 'fill-rate', true),
        cpuInterval: limitOption(args, 'interval', true),
        cpuSet: limitOption(args, 'cpuset', false),
        ioWeight: limitOption(args, 'io-weight', true),
      },
    });
    return emit(output, await setGuestLimits(context, params.name, params.limits), formatLimits);
  },
};
