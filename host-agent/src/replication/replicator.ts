// The replicator: one detached agent process per source host (`vfleet-agent replicator`) that
// runs every active replication's sync when its interval has passed since the last attempt,
// without the app. It holds the host-wide lock `.replicator` for its life (one per host), and
// exits once no active replication is left. The agent starts it when a replication is scheduled
// and the host's boot starts it (`vfleet-agent boot`); where systemd runs, a unit does instead.
import { promises as fs, openSync, closeSync, constants as fsConstants } from 'node:fs';
import { join } from 'node:path';
import { findExecutable, runTool } from '../process/runTool';
import type { AgentContext } from '../operations/agentContext';
import { syncReplication } from './replicaSync';
import { listSchedules, refreshStableAgent, replicationDir } from './replicationState';
import { spawn } from '../../../shared/node/lazyBuiltins';

const TICK_MS = 1_000;
const UNIT_NAME = 'vfleet-replicator.service';

function pidFile(context: AgentContext): string {
  return join(context.paths.runDir, 'replicator.pid');
}

/** The running replicator's pid, from its pid file and /proc. */
export async function replicatorPid(context: AgentContext): Promise<number | undefined> {
  const pid = Number((await fs.readFile(pidFile(context), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').includes('replicator') ? pid : undefined;
}

/** Runs the loop; resolves when no active replication is left (or `signal` aborts). */
export async function runReplicator(context: AgentContext, stop: (name: string) => Promise<unknown>, signal: AbortSignal, log: (line: string) => void): Promise<void> {
  let lock;
  try {
    lock = await context.locks.acquire('.replicator', 'the replicator');
  } catch {
    log('another replicator runs on this host');
    return;
  }
  try {
    await fs.mkdir(context.paths.runDir, { recursive: true, mode: 0o755 });
    await fs.writeFile(pidFile(context), `${process.pid}\n`);
    log(`replicator ${process.pid} started`);
    while (!signal.aborted) {
      const active = (await listSchedules(context.paths)).filter((schedule) => schedule.state === 'active');
      if (active.length === 0) break;
      for (const schedule of active) {
        if (signal.aborted) break;
        if (Date.now() - (schedule.lastSync?.time ?? 0) < schedule.intervalMs) continue;
        const outcome = await syncReplication(context, schedule.replication, stop).catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }));
        if ('error' in outcome) log(`${schedule.name} (${schedule.replication}): not synced: ${outcome.error}`);
        else log(`${schedule.name} (${schedule.replication}): ${outcome.record.result}${outcome.record.error ? `: ${outcome.record.error}` : `, ${outcome.record.bytesSent} bytes in ${outcome.record.durationMs} ms`}`);
      }
      await new Promise((resolve) => { const timer = setTimeout(resolve, TICK_MS); signal.addEventListener('abort', () => { clearTimeout(timer); resolve(undefined); }, { once: true }); });
    }
    log(`replicator ${process.pid} stops: no active replication left`);
  } finally {
    await fs.rm(pidFile(context), { force: true });
    await lock.release();
  }
}

function unitText(node: string, agent: string): string {
  return [
    '[Unit]', 'Description=vfleet replicator (scheduled replica syncs)', 'After=network-online.target', 'Wants=network-online.target', '',
    '[Service]', `ExecStart=${node} ${agent} replicator`, 'Restart=on-failure', 'RestartSec=10', '',
    '[Install]', 'WantedBy=multi-user.target', '',
  ].join('\n');
}

/** Makes sure a replicator runs when an active replication exists: a systemd unit where systemd runs, a detached process elsewhere. */
export async function ensureReplicator(context: AgentContext): Promise<number | undefined> {
  const agent = await refreshStableAgent(context.paths);
  const systemctl = findExecutable('systemctl');
  if (systemctl && await fs.stat('/run/systemd/system').then((stat) => stat.isDirectory(), () => false)) {
    const unit = join('/etc/systemd/system', UNIT_NAME);
    const text = unitText(process.execPath, agent);
    if ((await fs.readFile(unit, 'utf8').catch(() => '')) !== text) {
      await fs.writeFile(unit, text, { mode: 0o644 });
      await runTool(systemctl, ['daemon-reload']);
    }
    await runTool(systemctl, ['enable', '--now', UNIT_NAME]);
    await runTool(systemctl, ['start', UNIT_NAME]);
    return replicatorPid(context);
  }
  const running = await replicatorPid(context);
  if (running) return running;
  await fs.mkdir(replicationDir(context.paths), { recursive: true, mode: 0o700 });
  const logFd = openSync(join(replicationDir(context.paths), 'replicator.log'), fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT, 0o600);
  try {
    const child = spawn(process.execPath, [agent, 'replicator'], { detached: true, stdio: ['ignore', logFd, logFd], cwd: '/' });
    child.unref();
    return child.pid;
  } finally {
    closeSync(logFd);
  }
}

/** Where systemd runs, the unit goes with the last replication (elsewhere the replicator exits by itself). */
export async function retireReplicator(context: AgentContext): Promise<void> {
  const active = (await listSchedules(context.paths)).filter((schedule) => schedule.state === 'active');
  if (active.length > 0) return;
  const unit = join('/etc/systemd/system', UNIT_NAME);
  const systemctl = findExecutable('systemctl');
  if (systemctl && await fs.stat(unit).then(() => true, () => false)) {
    await runTool(systemctl, ['disable', '--now', UNIT_NAME]).catch(() => undefined);
    await fs.rm(unit, { force: true });
    await runTool(systemctl, ['daemon-reload']).catch(() => undefined);
  }
}
