// The target's arrival of a migration: the staged copy becomes the guest, marked as this
// migration's arrival. The configuration appears under its name in one rename, already marked
// `arriving`, its context id set and `vdir` pointing at the target's root (never startable half
// made, and a start refuses it but for this migration); then the staged root is renamed into place,
// its device nodes and fifos made first. A second call for the same migration finishes what a
// first one left (a cut session, a killed agent) and does nothing once the copy is whole.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { SpecialFiles } from '../../../shared/protocol/schemas';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { symlinkAtomic } from '../config/atomicFile';
import { guestConfigDir } from '../config/guestConfigStore';
import { writeScalar } from '../config/configValueFiles';
import { asAgentError, guestError } from '../errors/agentError';
import { runTool } from '../process/runTool';
import { readMarker, writeMarker } from './migrationMarker';
import { makeSpecialFiles } from './specialFiles';

export interface Arrival {
  migration: string;
  name: string;
  /** The source host, recorded in the marker. */
  from: string;
  xid: number;
  specials: SpecialFiles;
  /** Where the rounds staged root/ and config/. */
  staging: string;
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, () => false);
}

/**
 * The staged configuration (the last round's, needed by nothing after the arrival) moved to
 * `arriving` in one rename; copied where the two are on different filesystems (as a guest base and
 * /etc/vservers often are), by `cp -a`: modes, owners, times, hard links, xattrs and ACLs as rsync
 * -aHAXS keeps them, in a few milliseconds where a local rsync takes about 30 (its processes and
 * protocol), inside the downtime. Where an earlier call moved it already, that whole move is kept.
 */
async function moveConfiguration(staged: string, arriving: string, name: string, migration: string): Promise<void> {
  if (!(await exists(staged))) {
    if (await exists(arriving)) return;
    throw guestError(ERROR_CODES.notFound, name, `migration ${migration} has no staged configuration here`);
  }
  await fs.rm(arriving, { recursive: true, force: true });
  const moved = await fs.rename(staged, arriving).then(() => true, (error: NodeJS.ErrnoException) => {
    if (error.code === 'EXDEV') return false;
    throw error;
  });
  if (!moved) await runTool('cp', ['-a', '--no-target-directory', '--', staged, arriving]);
}

/** The arrival itself; the caller holds the guest's lock for the migration. */
export async function arriveStaged(paths: { configBase: string; guestBase: string }, arrival: Arrival): Promise<void> {
  const { migration, name, from, xid, specials, staging } = arrival;
  const configDir = guestConfigDir(paths.configBase, name);
  const rootDir = join(paths.guestBase, name);
  const marker = await readMarker(paths.configBase, name).catch(() => undefined);
  if (marker?.migration === migration && marker.state === 'arriving' && await exists(rootDir)) return;
  if (!(await exists(join(staging, 'root')))) throw guestError(ERROR_CODES.notFound, name, `migration ${migration} has no staged copy here`);
  if (marker?.migration !== migration && await exists(configDir)) throw guestError(ERROR_CODES.conflict, name, `a guest of that name is already here (${configDir})`);
  if (!(await exists(configDir))) {
    // Written in full (each write durable) before the one rename that gives it the guest's name.
    const arriving = join(paths.configBase, `.${name}.arriving-${migration}`);
    await moveConfiguration(join(staging, 'config'), arriving, name, migration);
    await writeScalar(arriving, 'context', xid);
    await symlinkAtomic(rootDir, join(arriving, 'vdir'));
    await writeMarker(arriving, { migration, state: 'arriving', peer: from, since: Date.now() });
    await fs.rename(arriving, configDir);
  }
  if (await exists(rootDir)) throw guestError(ERROR_CODES.conflict, name, `${rootDir} is already present`);
  await makeSpecialFiles(join(staging, 'root'), specials).catch((error: unknown) => { throw asAgentError(error, name); });
  await fs.rename(join(staging, 'root'), rootDir);
}
