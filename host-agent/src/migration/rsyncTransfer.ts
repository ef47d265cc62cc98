// One round of a migration's transfer, run on the source: rsync -aHAXS --numeric-ids --delete of
// the guest's root and of its configuration into the target's staging directory (root/ and
// config/); a direct round leaves the configuration out when nothing in it changed since the last
// round that sent it (configFingerprint). Direct: over ssh with the migration's own key and the target's host key as the
// workstation verified it (StrictHostKeyChecking=yes, no other known_hosts, no agent, no config).
// Relayed: rsync's remote shell is the agent's relay end (relayPipe.ts), the core carries the
// stream to the target. Progress comes from rsync's --info=progress2 lines, the figures from --stats.
// probeTarget is auto mode's question: does the target's sshd take this migration's key from here?
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SpecialFiles } from '../../../shared/protocol/schemas';
import { REPLICA_MARKER_PATH } from '../replication/replicaMarker';
import { MIGRATION_MARKER_PATH } from './migrationMarker';
import { listSpecialFiles } from './specialFiles';
import { migrationKeyDir, migrationKeyFiles, multiplexArgs } from './transferKeys';
import type { RelayTree } from '../../../shared/protocol/migrationRelay';
import { relayRemoteShell } from './relayPipe';
import { runTool } from '../process/runTool';
import { createHash, spawn } from '../../../shared/node/lazyBuiltins';

/** What rsync keeps: -a (owners, modes, times, links, devices, fifos) -H -A -X -S, numeric ids; the copy mirrors the source. */
export const MIGRATION_RSYNC = ['-aHAXS', '--numeric-ids', '--delete', '--stats', '--info=progress2'];
/** The configuration's parts that belong to this host: the markers, the console log, the root link (written on arrival). */
export const CONFIG_EXCLUDES = [`/${MIGRATION_MARKER_PATH}`, `/${REPLICA_MARKER_PATH}`, '/vfleet/console.log', '/vfleet/console.log.1', '/vdir'];
/**
 * A relayed round's rsync gives up after this long without data, and passes it on to the target's
 * rsync, which otherwise would wait for ever on a link that was cut under it (no ssh of its own).
 */
const RELAY_IO_TIMEOUT_S = 60;
/** How long auto mode's probe waits for the target's sshd. */
const PROBE_CONNECT_TIMEOUT_S = 5;

export interface TransferTarget {
  address: string;
  port: number;
  /** "type base64" of the target's host key. */
  hostKey: string;
}

export interface TransferProgress {
  bytes: number;
  rateBytesPerSecond: number;
  percent?: number;
  secondsLeft?: number;
}

export interface RoundFigures {
  specials: SpecialFiles;
  bytesSent: number;
  literalBytes: number;
  filesTransferred: number;
  durationMs: number;
}

/** What one rsync run reports (its --stats). */
export interface RsyncFigures {
  bytesSent: number;
  literalBytes: number;
  filesTransferred: number;
  /** rsync's "Total file size": the tree's regular files. */
  totalFileSize: number;
}

export function knownHostsName(target: TransferTarget): string {
  return target.port === 22 ? target.address : `[${target.address}]:${target.port}`;
}

/** The ssh rsync runs (its arguments after "ssh"): this key only, the target's key as verified (nothing else trusted), no agent, no config. */
export function sshArgs({ key, knownHosts }: { key: string; knownHosts: string }, target: Pick<TransferTarget, 'port'>, connectTimeoutS = 10): string[] {
  return [
    '-F', '/dev/null', '-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${connectTimeoutS}`,
    '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3', '-p', String(target.port), '-l', 'root',
  ];
}

/** How rsync names a remote tree of the target. */
export function remoteTree(address: string, tree: string): string {
  return `${address.includes(':') ? `[${address}]` : address}:${tree}/`;
}

async function writeKnownHosts(runDir: string, migration: string, target: TransferTarget): Promise<void> {
  const { knownHosts } = migrationKeyFiles(runDir, migration);
  await fs.writeFile(knownHosts, `${knownHostsName(target)} ${target.hostKey}\n`, { mode: 0o600 });
}

/**
 * Whether the target's sshd lets this migration's key in from here: `ssh TARGET true`, which the
 * forced rrsync answers with success. Unreachable: the reason ssh gave (a timeout on a partition).
 */
export async function probeTarget(runDir: string, migration: string, target: TransferTarget): Promise<{ reachable: boolean; detail: string; durationMs: number }> {
  const started = Date.now();
  await writeKnownHosts(runDir, migration, target);
  const outcome = await runTool('ssh', [
    ...sshArgs(migrationKeyFiles(runDir, migration), target, PROBE_CONNECT_TIMEOUT_S), ...multiplexArgs(runDir, migration), '-o', 'ConnectionAttempts=1', '--', target.address, 'true',
  ], { allowCodes: [255] })
    .catch((error: unknown) => ({ code: -1, stdout: '', stderr: (error as Error).message }));
  const reason = outcome.stderr.trim().split('\n').filter(Boolean).at(-1) ?? '';
  const durationMs = Date.now() - started;
  if (outcome.code === 0) return { reachable: true, detail: `${target.address} accepted the migration's key over SSH`, durationMs };
  return { reachable: false, detail: `${target.address} is not reachable over SSH from the source: ${reason || `ssh exited with code ${outcome.code}`}`, durationMs };
}

const UNITS: Record<string, number> = { 'B/s': 1, 'kB/s': 1024, 'MB/s': 1024 ** 2, 'GB/s': 1024 ** 3, 'TB/s': 1024 ** 4 };

/** "   1,234,567  45%  12.34MB/s    0:00:12 (xfr#3, to-chk=0/9)" -> figures. */
export function parseProgressLine(line: string): TransferProgress | undefined {
  const match = /^\s*([\d,]+)\s+(\d+)%\s+([\d.]+)([kMGT]?B\/s)\s+(\d+):(\d\d):(\d\d)/.exec(line);
  if (!match) return undefined;
  const [, bytes = '0', percent = '0', rate = '0', unit = 'B/s', hours = '0', minutes = '0', seconds = '0'] = match;
  return {
    bytes: Number(bytes.replace(/,/g, '')),
    percent: Number(percent),
    rateBytesPerSecond: Math.round(Number(rate) * (UNITS[unit] ?? 1)),
    secondsLeft: Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds),
  };
}

function statNumber(stats: string, label: string): number {
  const match = new RegExp(`^${label}:\\s*([\\d,]+)`, 'm').exec(stats);
  return match ? Number((match[1] ?? '0').replace(/,/g, '')) : 0;
}

/** Runs one rsync, reporting progress; resolves with its figures, rejects quoting rsync's message. */
export function runRsync(args: string[], onProgress: (progress: TransferProgress) => void, signal?: AbortSignal): Promise<RsyncFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn('rsync', args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '';
    let partial = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const pieces = text.split(/[\r\n]/);
      partial = pieces.pop() ?? '';
      for (const piece of pieces) {
        const progress = parseProgressLine(piece);
        if (progress) onProgress(progress);
        else if (stdout.length < 65_536) stdout += `${piece}\n`;
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 65_536) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => reject(new Error(`rsync failed to start: ${error.message}`)));
    child.on('close', (code, killedBy) => {
      stdout += partial;
      if (code === 0) {
        resolve({
          bytesSent: statNumber(stdout, 'Total bytes sent'),
          literalBytes: statNumber(stdout, 'Literal data'),
          filesTransferred: statNumber(stdout, 'Number of regular files transferred'),
          totalFileSize: statNumber(stdout, 'Total file size'),
        });
        return;
      }
      // rsync's own "rsync: ..." lines carry the cause (No space left on device, ...); its summary lines follow them.
      const lines = stderr.trim().split('\n').map((line) => line.trim()).filter(Boolean);
      const causes = lines.filter((line) => line.startsWith('rsync: ') && !line.includes('[sender] write error: Broken pipe'));
      const detail = [...new Set([...causes.slice(0, 2), ...lines.slice(-1)])].join(' / ');
      reject(new Error(`rsync ${killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`}${detail ? `: ${detail}` : ''}`));
    });
  });
}

/**
 * What the configuration's rsync would look at, as one hash: every entry but CONFIG_EXCLUDES, with its
 * type, mode, owner, size, mtime, ctime (which also moves with xattrs, ACLs and links), inode and link
 * count. The directories holding an excluded entry go without their times: the marker, console log and
 * `vdir` change them, and the arrival on the target changes them again anyway.
 */
export async function configFingerprint(tree: string): Promise<string> {
  const excluded = new Set(CONFIG_EXCLUDES.map((path) => path.slice(1)));
  const timeless = new Set([...excluded].map((path) => (dirname(path) === '.' ? '' : dirname(path))));
  const lines: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    // An entry gone between its directory's listing and its lstat gives a line no stable tree gives.
    const stats = await fs.lstat(relative === '' ? tree : join(tree, relative), { bigint: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!stats) {
      lines.push(`${relative}\0gone`);
      return;
    }
    const times = timeless.has(relative) ? '' : ` ${stats.mtimeNs} ${stats.ctimeNs}`;
    lines.push(`${relative}\0${stats.mode} ${stats.uid} ${stats.gid} ${stats.size} ${stats.ino} ${stats.nlink}${times}`);
    if (!stats.isDirectory()) return;
    const names = (await fs.readdir(relative === '' ? tree : join(tree, relative))).sort();
    for (const name of names) {
      const child = relative === '' ? name : `${relative}/${name}`;
      if (!excluded.has(child)) await walk(child);
    }
  };
  await walk('');
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/**
 * The configuration's fingerprint taken before the last direct round whose rsyncs all ended well: the
 * target's copy holds at least that state, so a round that finds the same fingerprint (nothing rsync
 * would send has changed since) leaves the configuration out. In the migration's run directory (tmpfs),
 * removed with its key.
 */
function syncedConfigFile(runDir: string, migration: string): string {
  return join(migrationKeyDir(runDir, migration), 'config.synced');
}

const NOTHING_SENT: RsyncFigures = { bytesSent: 0, literalBytes: 0, filesTransferred: 0, totalFileSize: 0 };

/** Where a round sends the trees: the target's sshd, or the core's relay (the target as the workstation reaches it). */
export type RoundTransport = { direct: TransferTarget } | { relay: true };

/** One round: the root and the configuration. */
export async function transferRound(
  runDir: string, migration: string, trees: { root: string; config: string }, transport: RoundTransport,
  onProgress: (progress: TransferProgress) => void, signal?: AbortSignal,
): Promise<RoundFigures> {
  const started = Date.now();
  let shell: (tree: RelayTree) => string[];
  let remote: (tree: RelayTree) => string;
  if ('direct' in transport) {
    const target = transport.direct;
    await writeKnownHosts(runDir, migration, target);
    const ssh = ['ssh', ...sshArgs(migrationKeyFiles(runDir, migration), target), ...multiplexArgs(runDir, migration)].join(' ');
    shell = () => ['-e', ssh];
    remote = (tree) => remoteTree(target.address, tree);
  } else {
    shell = (tree) => ['-e', relayRemoteShell(migration, tree), `--timeout=${RELAY_IO_TIMEOUT_S}`];
    remote = (tree) => `relay:${tree}/`;
  }
  // A relayed round always sends both trees: the core opened a relay for each.
  const synced = 'direct' in transport ? syncedConfigFile(runDir, migration) : undefined;
  const fingerprint = synced ? await configFingerprint(trees.config) : undefined;
  const configUnchanged = synced !== undefined && fingerprint === await fs.readFile(synced, 'utf8').catch(() => undefined);
  if (synced && !configUnchanged) await fs.rm(synced, { force: true });
  // The two trees go side by side (their ssh sessions overlap); progress follows the root, the configuration is small.
  // The listing of device nodes and fifos runs beside them: it reads only the source's tree, which is still
  // in the final round (the guest stopped or frozen), and a pre-copy round's listing is replaced by the next.
  const [root, config, specials] = await Promise.all([
    runRsync([...MIGRATION_RSYNC, ...shell('root'), '--', `${trees.root}/`, remote('root')], onProgress, signal),
    configUnchanged ? NOTHING_SENT
      : runRsync([...MIGRATION_RSYNC, ...CONFIG_EXCLUDES.map((path) => `--exclude=${path}`), ...shell('config'), '--', `${trees.config}/`, remote('config')], () => undefined, signal),
    listSpecialFiles(trees.root),
  ]);
  if (synced && fingerprint && !configUnchanged) await fs.writeFile(synced, fingerprint, { mode: 0o600 });
  return {
    specials,
    bytesSent: root.bytesSent + config.bytesSent,
    literalBytes: root.literalBytes + config.literalBytes,
    filesTransferred: root.filesTransferred + config.filesTransferred,
    durationMs: Date.now() - started,
  };
}
