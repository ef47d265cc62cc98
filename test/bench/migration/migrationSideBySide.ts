// Migration side by side, on lab `benchmig` (3 hosts): a running busybox guest with a ~200 MiB
// tree, serving HTTP on its own address and writing a file every 50 ms (the small change during
// pre-copy), moved between lab-1 and lab-2 while a client on lab-3 fetches its URL every 20 ms.
// Per repetition: vfleet in stop mode, vfleet in freeze mode, the manual way an admin takes today
// (over ssh from this machine: the agent CLI's `stop`, `rsync -aHAXS --numeric-ids` of the root and
// the configuration host to host, the agent CLI's `start` on the target), and the raw link (`tar -cf
// - . | ssh target tar -xf -` of the same tree, into a scratch folder). Figures: the downtime the
// client observed (longest gap between two answered fetches), the total time, and the transfer
// rate against the raw link's. Host-to-host ssh uses this machine's ssh-agent (the lab's key,
// forwarded, never written on a host) and the lab's known_hosts, strictly checked.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MigrateResult, MigrationMode, MigrationProgress } from '../../../shared/api/migration';
import { labDown, labUp, type Lab } from '../../lab/lab';
import { runCommand, runOrThrow } from '../../lab/system/command';
import { onboardLabHosts, removeDataDir, startCore, waitFor } from '../../core/support/coreOnLab';
import { longestGapMs, phaseTimeline, startClient, type HttpClient } from '../../migration/support/downtime';
import { HTTPD_INIT_SCRIPT, labShell } from '../../migration/support/labGuests';
import type { CleanupStack } from '../benchCleanup';
import { repeated } from '../report/benchFigure';
import type { BenchRecorder } from '../report/benchRecorder';
import { median } from '../report/percentiles';

export const MIGRATION_LAB = { name: 'benchmig', subnet: '10.213.154.0/24', hosts: 3 };
const BENCHMARK = 'migration';
const GUEST = 'benchmove';
const XID = 4150;
const GUEST_IP = '10.213.154.101';
const URL = `http://${GUEST_IP}/index.html`;
const CLIENT_HOST = 'lab-3';
const DOWNTIME_GOAL_RATIO = 10;
const RATE_GOAL_SHARE = 0.8;
/** The manual way announces nothing: a client may wait for its neighbour entry to go stale. */
const MANUAL_ANSWER_WAIT_MS = 120_000;
const KNOWN_HOSTS_ON_HOST = '/run/vfleet-bench-known_hosts';
const RAW_SCRATCH = '/vservers/.vfleet-bench-raw';
const MIB = 1024 * 1024;

export interface MigrationBenchOptions {
  repetitions: number;
  /** Random data in the guest's root, on top of busybox's skeleton. */
  dataMiB: number;
}

/** Random data, the page, and the guest's own writer; the httpd's init script ($2) is the migration tests'. */
const setupScript = (dataMiB: number): string => `
set -e
cd "$1"
mkdir -p www srv var
printf 'served by the guest\\n' > www/index.html
dd if=/dev/urandom of=srv/bulk bs=1M count=${dataMiB} status=none
printf %s "$2" > etc/init.d/S50httpd
printf '#!/bin/sh\\n[ "$1" = start ] && (while :; do date +%%s%%N > /var/counter; usleep 50000; done) &\\nexit 0\\n' > etc/init.d/S60counter
chmod 755 etc/init.d/S50httpd etc/init.d/S60counter
`;

interface Move {
  downtimeMs: number;
  totalMs: number;
  /** Bytes per second of the data transfer. */
  rate?: number;
  /** vfleet's first pre-copy round alone (the bulk of the data), bytes per second from the pre-copy's start. */
  firstRoundRate?: number;
  /** vfleet's own measure (source stopped or frozen -> target verified); the manual way's stop -> start returned. */
  hostDowntimeMs: number;
  detail: string;
}

/** This machine's ssh-agent holding the lab's key, forwarded to the host that copies (ssh -A). */
async function startSshAgent(cleanup: CleanupStack, lab: Lab): Promise<NodeJS.ProcessEnv> {
  const folder = await mkdtemp(path.join(tmpdir(), 'vfleet-bench-ssh-agent-'));
  cleanup.add(`ssh-agent folder ${folder}`, () => rm(folder, { recursive: true, force: true }));
  const socket = path.join(folder, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  cleanup.add(`ssh-agent ${agent.pid ?? '?'}`, async () => {
    if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGTERM');
  });
  const env = { ...process.env, SSH_AUTH_SOCK: socket };
  // ssh-add fails until the agent listens.
  for (let attempt = 0; ; attempt += 1) {
    const added = await runCommand(['ssh-add', '-q', lab.keyPath], { env, timeoutMs: 10_000 });
    if (added.code === 0) break;
    if (attempt > 50) throw new Error(`ssh-add of the lab key failed: ${added.stderr.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return env;
}

export async function benchMigration(recorder: BenchRecorder, cleanup: CleanupStack, agentBundlePath: string, options: MigrationBenchOptions): Promise<void> {
  await labDown({ name: MIGRATION_LAB.name });
  cleanup.add(`lab ${MIGRATION_LAB.name}`, () => labDown({ name: MIGRATION_LAB.name }));
  const lab = await labUp(MIGRATION_LAB);
  const handle = await startCore({ agentBundlePath });
  cleanup.add(`fleet core data folder ${handle.dataDir}`, () => removeDataDir(handle));
  cleanup.add('migration fleet core', () => handle.close());
  const core = handle.core;
  await onboardLabHosts(core, lab);
  const agentFile = core.state.host('lab-1')?.agent?.file;
  if (!agentFile) throw new Error('Host lab-1: the fleet state names no deployed agent');

  await core.invoke('guest.build', { host: 'lab-1', build: { name: GUEST, method: 'busybox', xid: XID, interfaces: [{ ip: GUEST_IP, prefix: 24 }] } });
  await labShell(lab, 'lab-1', setupScript(options.dataMiB), `/vservers/${GUEST}`, HTTPD_INIT_SCRIPT);
  await core.invoke('guest.start', { host: 'lab-1', guest: GUEST });
  const treeBytes = Number((await labShell(lab, 'lab-1', 'du -sb "$1" | cut -f1', `/vservers/${GUEST}`)).trim());

  const sshEnv = await startSshAgent(cleanup, lab);
  const knownHosts = await readFile(lab.knownHostsPath, 'utf8');
  for (const host of lab.hosts) {
    await lab.exec(host.name, ['sh', '-c', 'umask 022 && cat > "$1"', 'sh', KNOWN_HOSTS_ON_HOST], { input: knownHosts });
  }
  /** `ssh` from this machine to a lab host, as the admin runs it, with the agent forwarded when the host goes on to another. */
  const ssh = (host: string, command: string, forward = false): Promise<string> =>
    runOrThrow(['ssh', '-F', lab.sshConfigPath, ...(forward ? ['-A'] : []), host, command], `ssh ${host} ${command.slice(0, 80)}`, { env: sshEnv, timeoutMs: 600_000 });
  const hostSsh = `ssh -o UserKnownHostsFile=${KNOWN_HOSTS_ON_HOST} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes`;

  const runningOn = (host: string): Promise<void> => waitFor(`${GUEST} shown running on ${host}`, () => core.state.guest(host, GUEST)?.state === 'running', 60_000).then(() => undefined);
  await runningOn('lab-1');
  // The guest's httpd comes up with its init scripts: the probe waits for its first answers.
  const watched = async (move: () => Promise<Omit<Move, 'downtimeMs'>>, answerWaitMs?: number): Promise<Move> => {
    const probe: HttpClient = await startClient(lab, CLIENT_HOST, URL);
    try {
      const moved = await move();
      await probe.answeredAgain(answerWaitMs);
      return { ...moved, downtimeMs: longestGapMs(probe.stop()) };
    } finally {
      probe.stop();
    }
  };

  const vfleetMove = (from: string, to: string, mode: MigrationMode): Promise<Move> => watched(async () => {
    // Each rsync round as the coordinator reports it, and when each phase began.
    const progress: MigrationProgress[] = [];
    const unsubscribe = core.subscribe((delta) => {
      if (delta.type === 'migration') progress.push(delta.progress);
    });
    const result: MigrateResult = await core.invoke('guest.migrate', { host: from, guest: GUEST, to, mode, keepSource: false, verifyPort: 80 })
      .finally(unsubscribe);
    await runningOn(to);
    const precopyAt = progress.find((entry) => entry.phase === 'precopy')?.time ?? 0;
    const rounds = progress.filter((entry) => entry.message?.startsWith('round')).map((entry) => ({ text: entry.message ?? '', afterMs: entry.time - precopyAt }));
    // The bulk round: its changed bytes over the round's own time (the agent's, rsync's start to its end, both trees).
    const [, changed, roundMs] = /(\d+) bytes changed in (\d+) ms/.exec(rounds[0]?.text ?? '') ?? [];
    const firstRoundRate = Number(changed) > 0 && Number(roundMs) > 0 ? Number(changed) / (Number(roundMs) / 1000) : undefined;
    return {
      totalMs: result.totalMs, rate: result.rateBytesPerSecond, ...(firstRoundRate !== undefined ? { firstRoundRate } : {}), hostDowntimeMs: result.downtimeMs ?? Number.NaN,
      detail: `${(result.bytesSent / MIB).toFixed(0)} MiB in ${result.rounds} rounds (${rounds.map((round) => `${round.text} at +${round.afterMs} ms of the pre-copy`).join(', ')}); phases: ${phaseTimeline(progress)}`,
    };
  });

  const manualMove = (from: string, to: string): Promise<Move> => watched(async () => {
    const target = lab.host(to).address;
    const copy = (tree: string): string => `rsync -aHAXS --numeric-ids -e '${hostSsh}' ${tree}/${GUEST}/ root@${target}:${tree}/${GUEST}/`;
    const began = performance.now();
    await ssh(from, `node ${agentFile} stop ${GUEST}`);
    const stopped = performance.now();
    await ssh(from, `${copy('/vservers')} && ${copy('/etc/vservers')}`, true);
    const copied = performance.now();
    await ssh(to, `node ${agentFile} start ${GUEST}`);
    const started = performance.now();
    return {
      totalMs: started - began, rate: treeBytes / ((copied - stopped) / 1000), hostDowntimeMs: started - began,
      detail: `stop ${(stopped - began).toFixed(0)} ms, rsync ${(copied - stopped).toFixed(0)} ms, start ${(started - copied).toFixed(0)} ms`,
    };
  }, MANUAL_ANSWER_WAIT_MS);

  /** `tar -cf - . | ssh target tar -xf -` of the guest's tree from `from`, into a scratch folder on `to` (removed after): bytes per second. */
  const rawLink = async (from: string, to: string): Promise<number> => {
    const target = lab.host(to).address;
    // GNU tar prints the bytes it wrote with --totals; the guest's own writer may change a file as tar reads it.
    const script = `t0=$(date +%s%N); tar --totals --warning=no-file-changed -C /vservers/${GUEST} -cf - . 2>/run/vfleet-bench-tar-totals | ` +
      `${hostSsh} root@${target} 'mkdir -p ${RAW_SCRATCH} && tar -C ${RAW_SCRATCH} -xf -' || exit 1; t1=$(date +%s%N); ` +
      'echo "$t0 $t1"; cat /run/vfleet-bench-tar-totals; rm -f /run/vfleet-bench-tar-totals';
    try {
      const output = await ssh(from, script, true);
      const [t0, t1] = (output.split('\n')[0] ?? '').split(' ').map(Number);
      const bytes = Number(/Total bytes written: (\d+)/.exec(output)?.[1]);
      if (!t0 || !t1 || !(bytes > 0)) throw new Error(`the raw link's copy printed no times or totals: ${output.trim()}`);
      return bytes / ((t1 - t0) / 1e9);
    } finally {
      await lab.exec(to, ['rm', '-rf', RAW_SCRATCH]);
    }
  };

  const runs: Record<'stop' | 'freeze' | 'manual', Move[]> = { stop: [], freeze: [], manual: [] };
  const raw: number[] = [];
  let [here, there] = ['lab-1', 'lab-2'];
  for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
    runs.stop.push(await vfleetMove(here, there, 'stop'));
    runs.freeze.push(await vfleetMove(there, here, 'freeze'));
    runs.manual.push(await manualMove(here, there));
    // The manual way leaves the stopped source behind: removed, so the next round starts from one copy.
    await labShell(lab, here, `node ${agentFile} delete ${GUEST}`);
    await runningOn(there);
    raw.push(await rawLink(there, here));
    [here, there] = [there, here];
  }

  const scope = `${(treeBytes / MIB).toFixed(0)} MiB guest, a write every 50 ms, client on ${CLIENT_HOST} every 20 ms`;
  const manual = runs.manual;
  const manualDowntime = median(manual.map((move) => move.downtimeMs));
  const manualTotal = median(manual.map((move) => move.totalMs));
  const rawRate = median(raw) / MIB;
  const manualNote = `manual way: ${manual.map((move) => move.detail).join('; ')}; its client-observed downtimes ${manual.map((move) => move.downtimeMs.toFixed(0)).join(', ')} ms`;
  for (const mode of ['stop', 'freeze'] as const) {
    const moves = runs[mode];
    recorder.add({
      benchmark: BENCHMARK,
      metric: `client-observed downtime, ${mode} mode (${scope})`,
      ...repeated(moves.map((move) => move.downtimeMs)),
      unit: 'ms',
      peer: { name: 'manual: agent stop, rsync -aHAXS --numeric-ids, agent start', value: manualDowntime },
      ratioTarget: { comparison: '>=', limit: DOWNTIME_GOAL_RATIO },
      note: `vfleet's own measure (source ${mode === 'stop' ? 'stopped' : 'frozen'} -> target verified): median ${median(moves.map((move) => move.hostDowntimeMs)).toFixed(0)} ms; ${moves.map((move) => move.detail).join('; ')}${mode === 'stop' ? `; ${manualNote}` : ''}`,
    });
    recorder.add({
      benchmark: BENCHMARK,
      metric: `total time, ${mode} mode`,
      ...repeated(moves.map((move) => move.totalMs / 1000)),
      unit: 's',
      peer: { name: 'manual way', value: manualTotal / 1000 },
      note: 'vfleet: pre-flight checks, pre-copy while the guest runs, switch, final sync, start, verify (port 80), commit; the manual way: stop, copy, start',
    });
    recorder.add({
      benchmark: BENCHMARK,
      metric: `transfer rate, ${mode} mode`,
      ...repeated(moves.map((move) => (move.rate ?? 0) / MIB)),
      unit: 'MiB/s',
      peer: { name: 'raw link: tar | ssh | tar', value: rawRate },
      betterWhen: 'higher',
      ratioTarget: { comparison: '>=', limit: RATE_GOAL_SHARE },
      note: `vfleet: bytes rsync sent over the transfer's time, all rounds (each with its ssh session and the listing of device nodes and fifos); the bulk round alone is the next row; raw link runs ${raw.map((rate) => (rate / MIB).toFixed(0)).join(', ')} MiB/s; the manual way's rsync: median ${(median(manual.map((move) => move.rate ?? 0)) / MIB).toFixed(0)} MiB/s`,
    });
    recorder.add({
      benchmark: BENCHMARK,
      metric: `bulk round rate (first pre-copy round), ${mode} mode`,
      ...repeated(moves.map((move) => (move.firstRoundRate ?? 0) / MIB)),
      unit: 'MiB/s',
      peer: { name: 'raw link: tar | ssh | tar', value: rawRate },
      betterWhen: 'higher',
      note: 'not a goal row: the first round\'s changed (literal) bytes over that round\'s own time as the agent measured it (both trees\' rsyncs side by side, from their start to the end of both), against the same raw link as the row above',
    });
  }
}
