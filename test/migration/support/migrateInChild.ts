// A fleet core in a process of its own that runs one migration and prints every migration delta
// as a JSON line: the migration tests kill it at a chosen phase, as a crash of the app would, and
// a new core on the same data folder must resolve the journal it left.
// argv: DATA_DIR AGENT_BUNDLE HOST GUEST TO MODE
import { createFleetCore } from '../../../electron/core/fleet';
import { FAST_CONNECTIONS } from '../../core/support/coreOnLab';

async function main(): Promise<void> {
  const [dataDir, agentBundlePath, host, guest, to, mode] = process.argv.slice(2);
  if (!dataDir || !agentBundlePath || !host || !guest || !to || (mode !== 'stop' && mode !== 'freeze')) {
    process.stderr.write('usage: migrateInChild DATA_DIR AGENT_BUNDLE HOST GUEST TO stop|freeze\n');
    process.exit(2);
  }
  const core = await createFleetCore({ dataDir, agentBundlePath, knownHostsFiles: [], connection: FAST_CONNECTIONS, readyWaitMs: 20_000 });
  core.subscribe((delta) => {
    if (delta.type === 'migration') process.stdout.write(`${JSON.stringify(delta.progress)}\n`);
  });
  try {
    await core.invoke('hosts.connect', { names: [host, to], timeoutMs: 30_000 });
    const result = await core.invoke('guest.migrate', { host, guest, to, mode });
    process.stdout.write(`${JSON.stringify({ result })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
  } finally {
    await core.close();
  }
}

void main();
