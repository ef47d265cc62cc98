// The host ends of a relayed migration transfer (docs/architecture.md, "Migration", relay): when
// the source cannot reach the target, the core pipes rsync's stream between one exec channel on
// each host, each running `vfleet-agent migration-relay END MIGRATION TREE`:
// - `source`: listens on a socket in the migration's run directory (root only, tmpfs) and, once a
//   connection came, pipes it to and from its stdio (the core's channel); "ready" on stderr says
//   it listens.
// - `rsh`: rsync's remote shell on the source (rsync -e), run by migrationSync's rsync: connects to
//   that socket, sends the remote command rsync asked for as its first line, then pipes its stdio.
// - `target`: reads that first line, then runs the same forced command as direct mode's
//   authorised key (rrsync -wo -no-lock <staging>, rrsyncArgs) with it as SSH_ORIGINAL_COMMAND, so
//   rrsync checks it and confines the writes to this migration's staging directory exactly as it
//   does for a direct transfer; the rest of stdin is its input, its output is the agent's stdout.
// No key is made or leaves a host; the core sees only rsync's stream, flowing under SSH's windows.
import { promises as fs } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { RELAY_COMMAND, RELAY_READY, RELAY_TREES, type RelayTree } from '../../../shared/protocol/migrationRelay';
import { migrationIdSchema } from '../../../shared/protocol/schemas';
import { findExecutable } from '../process/runTool';
import { migrationKeyDir, rrsyncArgs } from './transferKeys';
import { spawn } from '../../../shared/node/lazyBuiltins';

export { RELAY_COMMAND };
/**
 * How long the source end waits for rsync's connection before giving up: a final round's relays
 * open before the guest's stop sequence, which may take minutes (the core's action timeout).
 */
const ACCEPT_TIMEOUT_MS = 15 * 60_000;
const MAX_COMMAND_BYTES = 8_192;

export function relaySocket(runDir: string, migration: string, tree: RelayTree): string {
  return join(migrationKeyDir(runDir, migration), `relay-${tree}.sock`);
}

/** rsync's -e on the source: this agent file in its rsh role (rsync appends the host word and the remote command). */
export function relayRemoteShell(migration: string, tree: RelayTree): string {
  const agentFile = process.argv[1] ?? '';
  if (/\s/.test(process.execPath) || /\s/.test(agentFile)) throw new Error('the agent\'s path holds a space, which rsync -e cannot carry');
  return [process.execPath, agentFile, RELAY_COMMAND, 'rsh', migration, tree].join(' ');
}

/**
 * Pipes a socket to and from this process's stdio; done once the far side has ended (as ssh is
 * done once the remote command is: rsync waits for its remote shell to exit before it closes the
 * pipe to it). Resolves with 0, or 1 after an error.
 */
function pipeStdio(socket: Socket): Promise<number> {
  return new Promise((resolve) => {
    let failed = false;
    socket.on('error', () => { failed = true; socket.destroy(); });
    process.stdin.on('error', () => { failed = true; socket.destroy(); });
    process.stdout.on('error', () => { failed = true; socket.destroy(); });
    process.stdin.pipe(socket);
    socket.pipe(process.stdout);
    socket.once('end', () => resolve(failed ? 1 : 0));
    socket.once('close', () => resolve(failed ? 1 : 0));
  });
}

async function sourceEnd(socketPath: string): Promise<number> {
  await fs.mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
  await fs.rm(socketPath, { force: true });
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await fs.chmod(socketPath, 0o600);
  const socket = await new Promise<Socket | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ACCEPT_TIMEOUT_MS);
    // The core gave up before rsync came (a cancel, a failure elsewhere): nothing to wait for.
    process.stdin.once('end', () => resolve(undefined));
    process.stdin.once('close', () => resolve(undefined));
    server.once('connection', (connection) => { clearTimeout(timer); resolve(connection); });
    process.stderr.write(`${RELAY_READY}\n`);
  });
  server.close();
  await fs.rm(socketPath, { force: true });
  if (!socket) {
    process.stderr.write('vfleet-agent: no rsync connected to the relay\n');
    return 1;
  }
  socket.resume();
  return pipeStdio(socket);
}

async function remoteShell(socketPath: string, command: string[]): Promise<number> {
  const line = command.join(' ');
  if (line.includes('\n') || Buffer.byteLength(line) > MAX_COMMAND_BYTES) throw new Error('rsync\'s remote command is not one short line');
  const socket = connect({ path: socketPath, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (error) => reject(new Error(`the relay of this migration is not listening (${error.message})`)));
  });
  socket.write(`${line}\n`);
  return pipeStdio(socket);
}

/** The first line of stdin and what came after it. */
function readCommandLine(): Promise<{ line: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = Buffer.concat([seen, chunk]);
      const end = seen.indexOf(0x0a);
      if (end < 0 && seen.length <= MAX_COMMAND_BYTES) return;
      process.stdin.off('data', onData);
      process.stdin.pause();
      if (end < 0) reject(new Error('the relayed stream does not start with rsync\'s command line'));
      else resolve({ line: seen.subarray(0, end).toString('utf8'), rest: seen.subarray(end + 1) });
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', () => reject(new Error('the relayed stream ended before rsync\'s command line')));
  });
}

async function targetEnd(guestBase: string, migration: string, tree: RelayTree): Promise<number> {
  const staging = join(guestBase, '.vfleet-migration', migration);
  const stat = await fs.stat(join(staging, tree)).catch(() => undefined);
  if (!stat?.isDirectory()) throw new Error(`migration ${migration} has no staging directory here (${join(staging, tree)})`);
  const rrsync = findExecutable('rrsync');
  if (!rrsync) throw new Error('rrsync is not installed (it ships with Debian\'s rsync package)');
  const { line, rest } = await readCommandLine();
  if (!/^rsync --server [^\0]*$/.test(line)) throw new Error('the relayed stream does not start with an rsync server command');
  const child = spawn(rrsync, rrsyncArgs(staging), {
    stdio: ['pipe', 'inherit', 'inherit'],
    env: { ...process.env, SSH_ORIGINAL_COMMAND: line, SSH_CONNECTION: 'vfleet-relay 0 vfleet-relay 0' },
  });
  child.stdin.on('error', () => undefined);
  child.stdin.write(rest);
  process.stdin.pipe(child.stdin);
  process.stdin.resume();
  return new Promise((resolve) => {
    child.once('error', () => resolve(1));
    child.once('close', (code) => resolve(code ?? 1));
  });
}

/** `migration-relay END MIGRATION TREE [HOST COMMAND...]`: one end of a relayed transfer (above). */
export async function runRelayCommand(paths: { runDir: string; guestBase: string }, words: string[]): Promise<number> {
  const [end, migration = '', tree = '', , ...command] = words;
  if (!migrationIdSchema.safeParse(migration).success || !(RELAY_TREES as readonly string[]).includes(tree)) {
    throw new Error(`usage: ${RELAY_COMMAND} source|target|rsh MIGRATION root|config (plumbing of a relayed migration)`);
  }
  const which = tree as RelayTree;
  if (end === 'source') return sourceEnd(relaySocket(paths.runDir, migration, which));
  if (end === 'rsh') return remoteShell(relaySocket(paths.runDir, migration, which), command);
  if (end === 'target') return targetEnd(paths.guestBase, migration, which);
  throw new Error(`${RELAY_COMMAND}: the end is source, target or rsh, not '${end ?? ''}'`);
}
