// One round of a migration's direct transfer, run on the source: rsync -aHAXS --numeric-ids
// --delete of the guest's root and of its configuration into the target's staging directory
// (root/ and config/), over ssh with the migration's own key and the target's host key as the
// workstation verified it (StrictHostKeyChecking=yes, no other known_hosts, no agent, no config).
// Progress comes from rsync's --info=progress2 lines, the figures from its --stats.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import type { SpecialFiles } from '../../../shared/protocol/schemas';
import { REPLICA_MARKER_PATH } from '../replication/replicaMarker';
import { MIGRATION_MARKER_PATH } from './migrationMarker';
import { listSpecialFiles } from './specialFiles';
import { migrationKeyFiles } from './transferKeys';

/** What rsync keeps: -a (owners, modes, times, links, devices, fifos) -H -A -X -S, numeric ids; the copy mirrors the source. */
export const MIGRATION_RSYNC = ['-aHAXS', '--numeric-ids', '--delete', '--stats', '--info=progress2'];
/** The configuration's parts that belong to this host: the markers, the console log, the root link (written on arrival). */
export const CONFIG_EXCLUDES = [`/${MIGRATION_MARKER_PATH}`, `/${REPLICA_MARKER_PATH}`, '/vfleet/console.log', '/vfleet/console.log.1', '/vdir'];

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
export function sshArgs({ key, knownHosts }: { key: string; knownHosts: string }, target: Pick<TransferTarget, 'port'>): string[] {
  return [
    '-F', '/dev/null', '-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10',
    '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3', '-p', String(target.port), '-l', 'root',
  ];
}

function sshCommand(files: { key: string; knownHosts: string }, target: Pick<TransferTarget, 'port'>): string {
  return ['ssh', ...sshArgs(files, target)].join(' ');
}

/** How rsync names a remote tree of the target. */
export function remoteTree(address: string, tree: string): string {
  return `${address.includes(':') ? `[${address}]` : address}:${tree}/`;
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

/** One round: the root and the configuration. */
export async function transferRound(
  runDir: string, migration: string, trees: { root: string; config: string }, target: TransferTarget,
  onProgress: (progress: TransferProgress) => void, signal?: AbortSignal,
): Promise<RoundFigures> {
  const started = Date.now();
  const files = migrationKeyFiles(runDir, migration);
  await fs.writeFile(files.knownHosts, `${knownHostsName(target)} ${target.hostKey}\n`, { mode: 0o600 });
  const ssh = ['-e', sshCommand(files, target)];
  const remote = (tree: string): string => remoteTree(target.address, tree);
  // The two trees go side by side (their ssh handshakes overlap); progress follows the root, the configuration is small.
  const [root, config] = await Promise.all([
    runRsync([...MIGRATION_RSYNC, ...ssh, '--', `${trees.root}/`, remote('root')], onProgress, signal),
    runRsync([...MIGRATION_RSYNC, ...CONFIG_EXCLUDES.map((path) => `--exclude=${path}`), ...ssh, '--', `${trees.config}/`, remote('config')], () => undefined, signal),
  ]);
  return {
    specials: await listSpecialFiles(trees.root),
    bytesSent: root.bytesSent + config.bytesSent,
    literalBytes: root.literalBytes + config.literalBytes,
    filesTransferred: root.filesTransferred + config.filesTransferred,
    durationMs: Date.now() - started,
  };
}
