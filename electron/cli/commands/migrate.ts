// vfleet migrate HOST/GUEST --to HOST: moves a guest to another host, printing the pre-flight
// checks, each phase and the transfer's progress, then the measured downtime and rate; with
// --targets, the other hosts ranked for it instead.
import { JSON_OPTION, lastValue, numberValue, positional, UsageError } from '../../../shared/cli/argv';
import { MIGRATION_TRANSPORTS, type MigrateResult, type MigrationTransportSetting, type PreflightCheck } from '../../../shared/api/migration';
import { formatBytes } from '../../../shared/format/byteSize';
import { textTable } from '../../../shared/format/textTable';
import { connectForCommand, EXIT_FAILED, EXIT_OK, printJson, type CliContext, type VfleetCommand } from '../cliContext';
import { guestWord } from '../guestTarget';

function printChecks(context: CliContext, checks: PreflightCheck[]): void {
  context.out(textTable(['CHECK', 'OUTCOME', 'DETAIL'], checks.map((check) => [check.check, check.outcome, check.detail])));
}

function printResult(context: CliContext, result: MigrateResult): void {
  const rate = `${formatBytes(result.rateBytesPerSecond)}/s`;
  context.out(`${result.guest} moved from ${result.host} to ${result.to} (migration ${result.migration}, context ${result.xid}): ` +
    `downtime ${result.downtimeMs !== undefined ? `${(result.downtimeMs / 1000).toFixed(2)} s` : '- (it was not running)'}, ` +
    `total ${(result.totalMs / 1000).toFixed(1)} s, ${formatBytes(result.bytesSent)} sent ${result.transport === 'relay' ? 'through this workstation (relay)' : 'host to host (direct)'} ` +
    `in ${result.rounds} round(s) at ${rate}; ` +
    `the copy on ${result.host} is ${result.sourceKept ? 'disabled and kept' : 'removed'}\n`);
}

export const migrateCommand: VfleetCommand = {
  spec: {
    name: 'migrate',
    args: 'HOST/GUEST',
    summary: 'Moves a guest to another host; exactly one copy runs whatever fails.',
    options: [
      { name: '--to', value: 'HOST', help: 'the target host' },
      { name: '--mode', value: 'stop|freeze', help: 'stop the guest (default) or freeze it for the final copy' },
      { name: '--keep-source', help: 'keep the disabled copy on the source as a backup (default)' },
      { name: '--remove-source', help: 'remove the copy on the source once the target is verified' },
      { name: '--verify-port', value: 'N', help: 'a TCP port of the guest that must answer on the target' },
      { name: '--xid', value: 'XID', help: 'the context id on the target (default: its own, or a free one)' },
      { name: '--transport', value: 'auto|direct|relay', help: 'host to host, through this workstation, or direct unless the source cannot reach the target (default: the settings\' migrationTransport, auto)' },
      { name: '--check', help: 'only run the pre-flight checks' },
      { name: '--targets', help: 'rank the other hosts for this guest instead' },
      JSON_OPTION,
    ],
  },
  run: async (context, args) => {
    const { host, guest } = guestWord(positional(args, 0, 'HOST/GUEST'));
    const json = args.flags.has('json');
    if (args.flags.has('targets')) {
      await connectForCommand(context);
      const ranked = await context.core.invoke('guest.migrationTargets', { host, guest });
      if (json) return printJson(context, ranked);
      context.out(textTable(['HOST', 'SUITABLE', 'SCORE', 'MEMORY FREE', 'DISK FREE', 'REASONS'], ranked.targets.map((target) => [
        target.host, target.suitable ? 'yes' : 'no', target.score.toFixed(3),
        target.memoryAvailable !== undefined ? formatBytes(target.memoryAvailable) : '-',
        target.diskFree !== undefined ? formatBytes(target.diskFree) : '-', target.reasons.join('; ') || '-',
      ])));
      return EXIT_OK;
    }
    const to = lastValue(args, 'to');
    if (!to) throw new UsageError('migrate needs --to HOST');
    const mode = lastValue(args, 'mode') ?? 'stop';
    if (mode !== 'stop' && mode !== 'freeze') throw new UsageError(`--mode is stop or freeze, not '${mode}'`);
    if (args.flags.has('keep-source') && args.flags.has('remove-source')) throw new UsageError('--keep-source and --remove-source exclude each other');
    const transport = lastValue(args, 'transport');
    if (transport !== undefined && !(MIGRATION_TRANSPORTS as readonly string[]).includes(transport)) throw new UsageError(`--transport is auto, direct or relay, not '${transport}'`);
    const verifyPort = numberValue(args, 'verify-port');
    const xid = numberValue(args, 'xid');
    const { problems } = await connectForCommand(context, [host, to]);
    if (problems.length > 0) return EXIT_FAILED;
    let lastLine = '';
    const unsubscribe = json ? () => undefined : context.core.subscribe((delta) => {
      if (delta.type !== 'migration' || delta.progress.guest !== guest || delta.progress.host !== host) return;
      const { phase, bytes, rateBytesPerSecond, secondsLeft, round, message, transport: via } = delta.progress;
      const line = `${phase}${round > 0 ? ` round ${round}` : ''}${via ? ` (${via})` : ''}: ${formatBytes(bytes)} sent` +
        `${rateBytesPerSecond > 0 ? `, ${formatBytes(rateBytesPerSecond)}/s` : ''}${secondsLeft !== undefined ? `, ${secondsLeft} s left` : ''}${message ? ` (${message})` : ''}`;
      if (line !== lastLine) context.out(`${line}\n`);
      lastLine = line;
    });
    try {
      const result = await context.core.invoke('guest.migrate', {
        host, guest, to, mode,
        ...(args.flags.has('remove-source') ? { keepSource: false } : {}),
        ...(verifyPort !== undefined ? { verifyPort } : {}),
        ...(xid !== undefined ? { xid } : {}),
        ...(transport !== undefined ? { transport: transport as MigrationTransportSetting } : {}),
        ...(args.flags.has('check') ? { checkOnly: true } : {}),
      });
      if (json) return printJson(context, result);
      printChecks(context, result.preflight);
      if (result.outcome === 'done') printResult(context, result);
      return result.preflight.some((check) => check.outcome === 'failed') ? EXIT_FAILED : EXIT_OK;
    } finally {
      unsubscribe();
    }
  },
};
