// vfleet guest exec HOST GUEST -- CMD...: one guest's command, its output and exit code passed through.
import { numberValue, UsageError } from '../../../shared/cli/argv';
import { EXIT_FAILED, type VfleetCommand } from '../cliContext';
import { connectedGuest, guestSpec } from '../guestTarget';
import { TIMEOUT_OPTION } from './exec';

export const guestExecCommand: VfleetCommand = {
  spec: guestSpec('exec', 'Runs a command inside a running guest.', [TIMEOUT_OPTION], 'HOST GUEST -- CMD...'),
  run: async (context, args) => {
    if (args.rest.length === 0) throw new UsageError('guest exec needs a command after --');
    const target = await connectedGuest(context, args);
    if (!target) return EXIT_FAILED;
    const timeout = numberValue(args, 'timeout');
    const outcome = await context.core.invoke('guest.exec', { ...target, argv: args.rest, ...(timeout ? { timeoutMs: timeout * 1000 } : {}) });
    process.stdout.write(outcome.stdout);
    process.stderr.write(outcome.stderr);
    if (outcome.error) context.err(`vfleet: ${outcome.error}\n`);
    return outcome.exitCode ?? EXIT_FAILED;
  },
};
