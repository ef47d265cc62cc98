// KeyValueStore on a JSON document in one file, whichever library writes it (a plain atomic write
// in the CLI, electron-store in the desktop app): every read-modify-write under the file's
// inter-process lock, schema check and migrations on every load, a damaged file moved aside (never
// silently replaced by defaults), and nothing written when a change leaves the content as it was.
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { withFileLock } from './fileLock';
import type { KeyValueStore } from './keyValueStore';
import { StoreCorruptError } from './storeErrors';
import {
  corruptCopyName,
  decodeStoredText,
  serializeDocument,
  validateForWrite,
  type DocumentFormat,
  type VersionedDocument,
} from './versionedDocument';

/** Replaces the file's content with a valid document; called only while the file's lock is held. */
export type DocumentWriter = (document: VersionedDocument) => Promise<void>;

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Loads the document: absent = empty, damaged = moved aside and reported, old = migrated and saved. */
async function loadDocument<T extends VersionedDocument>(file: string, format: DocumentFormat<T>, write: DocumentWriter): Promise<T> {
  const text = await readText(file);
  if (text === undefined) return format.empty();
  const location = `The ${format.title} file ${file}`;
  const decoded = decodeStoredText(format, text, location);
  if (!decoded.ok) {
    const movedTo = corruptCopyName(file, new Date());
    await rename(file, movedTo);
    throw new StoreCorruptError(location, movedTo, decoded.cause);
  }
  if (decoded.migratedFrom !== undefined) await write(decoded.document);
  return decoded.document;
}

export class DocumentStore<T extends VersionedDocument> implements KeyValueStore<T> {
  private pending: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly location: string,
    private readonly format: DocumentFormat<T>,
    private readonly write: DocumentWriter,
    private current: T,
  ) {}

  /** Opens (or starts) the file; throws StoreCorruptError or StoreTooNewError instead of guessing. */
  static async open<T extends VersionedDocument>(file: string, format: DocumentFormat<T>, write: DocumentWriter): Promise<DocumentStore<T>> {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // Locked too: loading may write (a migrated document) or move a damaged file aside.
    return new DocumentStore(file, format, write, await withFileLock(file, () => loadDocument(file, format, write)));
  }

  get<K extends keyof T>(key: K): T[K] {
    return structuredClone(this.current[key]);
  }

  update(change: (current: T) => T): Promise<T> {
    // Under the file's lock, so a change made by another process meanwhile is never overwritten.
    const run = (): Promise<T> => withFileLock(this.location, async () => {
      const fresh = await loadDocument(this.location, this.format, this.write);
      const next = validateForWrite(this.format, { ...change(structuredClone(fresh)), version: this.format.version });
      if (serializeDocument(next) !== serializeDocument(fresh)) await this.write(next);
      this.current = next;
      return structuredClone(next);
    });
    const result = this.pending.then(run, run);
    this.pending = result.catch(() => undefined);
    return result;
  }
}
