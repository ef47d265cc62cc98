// The SSH key of one migration's direct transfer. The source makes the pair in its run directory
// (tmpfs, root only; the private half never leaves the host) and removes it afterwards; the
// target authorises the public half in the authorized_keys file its running sshd reads for root,
// confined to the migration's staging directory: from=<source>, restrict, and a forced rrsync
// -wo -no-lock (the root and the configuration go side by side; rrsync's lock is a convenience,
// not a control). Each line ends with the comment vfleet-migration-<id>, by which it is found and removed.
import { promises as fs } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { writeFileAtomic } from '../../../shared/node/atomicWrite';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { hostError } from '../errors/agentError';
import { findExecutable, runTool } from '../process/runTool';

export const KEY_COMMENT_PREFIX = 'vfleet-migration-';
/** A migration's line (m-...) or a replication's (vfleet-replication-r-..., host-agent/src/replication/): found and removed by its id. */
const KEY_LINE_ID = /vfleet-(?:migration-(m-[0-9a-z]{8,40})|replication-(r-[0-9a-z]{8,40}))$/;

function lineId(line: string): string | undefined {
  const match = KEY_LINE_ID.exec(line.trim());
  return match?.[1] ?? match?.[2];
}

export function migrationKeyDir(runDir: string, migration: string): string {
  return join(runDir, 'migration', migration);
}

export function migrationKeyFiles(runDir: string, migration: string): { key: string; knownHosts: string } {
  const directory = migrationKeyDir(runDir, migration);
  return { key: join(directory, 'id_ed25519'), knownHosts: join(directory, 'known_hosts') };
}

/** Makes (or finds, on a retry) this migration's key pair; returns the public half as "type base64". */
export function makeTransferKey(runDir: string, migration: string): Promise<string> {
  return makeKeyPair(migrationKeyFiles(runDir, migration).key, `${KEY_COMMENT_PREFIX}${migration}`);
}

/** Makes (or finds) an ed25519 pair at `key` (its folder root only); returns the public half as "type base64". */
export async function makeKeyPair(key: string, comment: string): Promise<string> {
  await fs.mkdir(dirname(key), { recursive: true, mode: 0o700 });
  if (!(await fs.stat(key).then(() => true, () => false))) {
    const keygen = findExecutable('ssh-keygen');
    if (!keygen) throw hostError(ERROR_CODES.unsupported, 'ssh-keygen is not installed (Debian package openssh-client)');
    await runTool(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', key]);
  }
  const [type = '', blob = ''] = (await fs.readFile(`${key}.pub`, 'utf8')).trim().split(/\s+/);
  return `${type} ${blob}`;
}

/** The migrations whose keys are in the run directory. */
export async function listTransferKeys(runDir: string): Promise<string[]> {
  const names = await fs.readdir(join(runDir, 'migration')).catch(() => [] as string[]);
  return names.filter((name) => /^m-[0-9a-z]{8,40}$/.test(name));
}

/** How long the migration's shared SSH connection outlives its last rsync (the switch between two rounds waits less). */
const MULTIPLEX_PERSIST_S = 120;

/**
 * ssh options that share one connection to the target across a migration's rounds (its probe, the
 * pre-copy, the final round after the switch): the first ssh becomes the master, the others run
 * their sessions over it, each still under the target's forced rrsync. So the final round, inside
 * the downtime, pays no handshake. removeTransferKey ends the master.
 */
export function multiplexArgs(runDir: string, migration: string): string[] {
  return ['-o', 'ControlMaster=auto', '-o', `ControlPath=${join(migrationKeyDir(runDir, migration), 'ssh.ctl')}`, '-o', `ControlPersist=${MULTIPLEX_PERSIST_S}`];
}

export async function removeTransferKey(runDir: string, migration: string): Promise<boolean> {
  const directory = migrationKeyDir(runDir, migration);
  const existed = await fs.stat(directory).then(() => true, () => false);
  const control = join(directory, 'ssh.ctl');
  if (await fs.stat(control).then(() => true, () => false)) {
    // The shared connection's master ends (its sessions are over by now); a master already gone leaves its socket behind.
    await runTool('ssh', ['-F', '/dev/null', '-o', `ControlPath=${control}`, '-O', 'exit', 'vfleet-migration'], { allowCodes: [255] }).catch(() => undefined);
  }
  await fs.rm(directory, { recursive: true, force: true });
  return existed;
}

interface ProcessEntry {
  comm: string;
  ppid: number;
}

async function processEntry(pid: number): Promise<ProcessEntry | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return { comm: stat.slice(open + 1, close), ppid: Number(fields[1]) };
}

/** The sshd listener this agent was started under: the topmost process named sshd among its ancestors. */
async function sshdListener(): Promise<number | undefined> {
  let listener: number | undefined;
  let pid = process.ppid;
  for (let depth = 0; pid > 1 && depth < 64; depth += 1) {
    const entry = await processEntry(pid);
    if (!entry) break;
    if (entry.comm === 'sshd') listener = pid;
    pid = entry.ppid;
  }
  return listener;
}

/** The -f option of the listener's command line (sshd rewrites its title as "sshd: /usr/sbin/sshd -f FILE ... [listener] ..."). */
async function listenerConfigFile(pid: number): Promise<string | undefined> {
  const raw = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const words = raw.split(/[\0 ]+/).filter(Boolean);
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index] ?? '';
    if (word === '-f') return words[index + 1];
    if (word.startsWith('-f') && word.length > 2) return word.slice(2);
  }
  return undefined;
}

async function rootHome(): Promise<string> {
  const passwd = await fs.readFile('/etc/passwd', 'utf8').catch(() => '');
  const root = passwd.split('\n').find((line) => line.startsWith('root:'));
  return root?.split(':')[5] || '/root';
}

/**
 * The authorized_keys file the running sshd reads for root, as `sshd -T` reports it for a login
 * from `from`: its first AuthorizedKeysFile entry, with %h, %u, %U and %% expanded.
 */
export async function rootAuthorizedKeysFile(from: string): Promise<string> {
  const listener = await sshdListener();
  const configFile = listener === undefined ? undefined : await listenerConfigFile(listener);
  const sshd = findExecutable('sshd') ?? '/usr/sbin/sshd';
  const args = ['-T', ...(configFile ? ['-f', configFile] : []), '-C', `user=root,host=vfleet-migration,addr=${from}`];
  const output = await runTool(sshd, args).catch((error: unknown) => {
    throw hostError(ERROR_CODES.unsupported, `cannot read sshd's settings (${(error as Error).message})`);
  });
  const line = output.stdout.split('\n').find((candidate) => candidate.toLowerCase().startsWith('authorizedkeysfile '));
  const first = line?.split(/\s+/)[1];
  if (!first || first.toLowerCase() === 'none') throw hostError(ERROR_CODES.unsupported, 'sshd reads no authorized_keys file for root');
  const home = await rootHome();
  const expanded = first.replace(/%(.)/g, (_, code: string) => ({ h: home, u: 'root', U: '0', '%': '%' })[code] ?? `%${code}`);
  return isAbsolute(expanded) ? expanded : join(home, expanded);
}

/** The forced command's arguments, direct (the authorised key) and relayed (relayPipe.ts) alike: write-only, below the staging directory. */
export function rrsyncArgs(stagingDir: string): string[] {
  return ['-wo', '-no-lock', stagingDir];
}

export function authorizedKeyLine(migration: string, from: string, stagingDir: string, publicKey: string, rrsync: string): string {
  return `from="${from}",restrict,command="${[rrsync, ...rrsyncArgs(stagingDir)].join(' ')}" ${publicKey} ${KEY_COMMENT_PREFIX}${migration}`;
}

async function readLines(file: string): Promise<{ lines: string[]; mode: number; uid: number; gid: number } | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat) return undefined;
  const text = await fs.readFile(file, 'utf8');
  return { lines: text.split('\n').filter((line, index, all) => line !== '' || index < all.length - 1), mode: stat.mode & 0o777, uid: stat.uid, gid: stat.gid };
}

async function writeLines(file: string, lines: string[], mode: number, uid: number, gid: number): Promise<void> {
  const text = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  await writeFileAtomic(file, text, mode);
  await fs.chown(file, uid, gid);
}

/** Adds the line (replacing one of the same migration or replication id), keeping the file's mode and owner. */
export async function authorizeKey(file: string, migration: string, line: string): Promise<void> {
  const current = await readLines(file);
  if (!current) await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const kept = (current?.lines ?? []).filter((existing) => lineId(existing) !== migration);
  await writeLines(file, [...kept, line], current?.mode ?? 0o600, current?.uid ?? 0, current?.gid ?? 0);
}

/** Removes the migration's line; true when there was one. */
export async function revokeKey(file: string, migration: string): Promise<boolean> {
  const current = await readLines(file);
  if (!current) return false;
  const kept = current.lines.filter((existing) => lineId(existing) !== migration);
  if (kept.length === current.lines.length) return false;
  await writeLines(file, kept, current.mode, current.uid, current.gid);
  return true;
}

export async function authorizedMigrations(file: string): Promise<string[]> {
  const current = await readLines(file);
  return (current?.lines ?? []).map((line) => lineId(line)).filter((id): id is string => id?.startsWith('m-') === true);
}
