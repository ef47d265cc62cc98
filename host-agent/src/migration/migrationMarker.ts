// A guest's migration marker, /etc/vservers/<name>/apps/vfleet/migration: which migration holds
// this copy and how (leaving, arriving, moved). It lives in the guest's configuration, so it
// survives the agent, the workstation and a reboot, and start reads it before anything runs.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../shared/node/atomicWrite';
import { migrationMarkerSchema, type MigrationMarker } from '../../../shared/protocol/schemas';
import { ERROR_CODES } from '../../../shared/protocol/envelope';
import { guestConfigDir } from '../config/guestConfigStore';
import { guestError } from '../errors/agentError';

/** Relative to the guest's configuration directory; a transfer of the configuration leaves it out. */
export const MIGRATION_MARKER_PATH = 'apps/vfleet/migration';

export function markerFile(configBase: string, name: string): string {
  return join(guestConfigDir(configBase, name), MIGRATION_MARKER_PATH);
}

/** The marker, undefined when there is none; an unreadable one is an error (it may be guarding the guest). */
export function readMarker(configBase: string, name: string): Promise<MigrationMarker | undefined> {
  return readGuestMarker(configBase, name, MIGRATION_MARKER_PATH, migrationMarkerSchema, 'migration');
}

/** What readGuestMarker needs of a (shared/protocol) schema. */
interface MarkerSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/** A JSON marker in a guest's configuration (migration's, replication's), checked with its schema; absent is undefined, unreadable an error. */
export async function readGuestMarker<T>(configBase: string, name: string, path: string, schema: MarkerSchema<T>, what: string): Promise<T | undefined> {
  const file = join(guestConfigDir(configBase, name), path);
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const marker = schema.safeParse(parsed);
  if (!marker.success) throw guestError(ERROR_CODES.failed, name, `its ${what} marker ${file} is unreadable; check it and remove it by hand`);
  return marker.data;
}

/** Writes the marker into a configuration directory (the guest's, or one about to become it). */
export async function writeMarker(configDir: string, marker: MigrationMarker): Promise<void> {
  const file = join(configDir, MIGRATION_MARKER_PATH);
  await fs.mkdir(join(file, '..'), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(marker)}\n`, 0o644);
}

export async function removeMarker(configBase: string, name: string): Promise<void> {
  await fs.rm(markerFile(configBase, name), { force: true });
}

/** Why this copy must not start, in the admin's words; undefined when it may. */
export function markerRefusal(marker: MigrationMarker | undefined): string | undefined {
  if (!marker) return undefined;
  switch (marker.state) {
    case 'moved':
      return `it was moved to ${marker.peer} by migration ${marker.migration}; this copy is disabled (start it anyway with --force)`;
    case 'arriving':
      return `it is an unfinished arrival from ${marker.peer} of migration ${marker.migration}; the copy on ${marker.peer} is the guest until vfleet resolves the migration (start it anyway with --force)`;
    case 'leaving':
      return `migration ${marker.migration} to ${marker.peer} is switching it; vfleet resolves the migration on its next connection (start it anyway with --force)`;
  }
}
