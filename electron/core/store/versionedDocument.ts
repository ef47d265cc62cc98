// A stored document carries a `version`; older ones are brought up to date by a chain of
// migrations, then checked against the current schema before anyone reads them.
import type { z } from 'zod';
import { describeIssues } from '../../../shared/protocol/checked';
import { StoreTooNewError } from './storeErrors';

export interface VersionedDocument {
  version: number;
}

/** Turns a document of version `from` into one of version `from + 1`. */
export interface Migration {
  from: number;
  describe: string;
  migrate(document: Record<string, unknown>): Record<string, unknown>;
}

export interface DocumentFormat<T extends VersionedDocument> {
  /** What the document is, for messages: "host registry". */
  title: string;
  version: number;
  schema: z.ZodType<T>;
  migrations: readonly Migration[];
  empty(): T;
}

export type DecodeResult<T> =
  | { ok: true; document: T; migratedFrom: number | undefined }
  | { ok: false; cause: string };

/** Migrates and validates raw JSON content; a newer version throws, damage is returned as a cause. */
function decodeDocument<T extends VersionedDocument>(
  format: DocumentFormat<T>,
  raw: unknown,
  location: string,
): DecodeResult<T> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, cause: 'the content is not a JSON object' };
  }
  let document = raw as Record<string, unknown>;
  const version = document.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, cause: 'it has no valid "version" field' };
  }
  if (version > format.version) throw new StoreTooNewError(location, version, format.version);
  for (let step = version; step < format.version; step++) {
    const migration = format.migrations.find((candidate) => candidate.from === step);
    if (!migration) return { ok: false, cause: `no migration from format version ${step} exists` };
    try {
      document = { ...migration.migrate(document), version: step + 1 };
    } catch (error) {
      return { ok: false, cause: `migration "${migration.describe}" failed: ${(error as Error).message}` };
    }
  }
  const parsed = format.schema.safeParse(document);
  if (!parsed.success) return { ok: false, cause: describeIssues(parsed.error) };
  return { ok: true, document: parsed.data, migratedFrom: version < format.version ? version : undefined };
}

/** Checks a document before it is written, so invalid input never replaces valid content. */
export function validateForWrite<T extends VersionedDocument>(format: DocumentFormat<T>, document: T): T {
  const parsed = format.schema.safeParse(document);
  if (!parsed.success) {
    throw new Error(`The ${format.title} was not saved: ${describeIssues(parsed.error)}.`);
  }
  return parsed.data;
}

/** Parses the stored text (JSON) and decodes it; damage is returned as a cause, never thrown. */
export function decodeStoredText<T extends VersionedDocument>(
  format: DocumentFormat<T>,
  text: string,
  location: string,
): DecodeResult<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, cause: `it is not valid JSON: ${(error as Error).message}` };
  }
  return decodeDocument(format, raw, location);
}

/** Where a damaged file is kept: beside it, named with the time it was found. */
export function corruptCopyName(file: string, now: Date): string {
  return `${file}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
}

export function serializeDocument(document: VersionedDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
