// KeyValueStore on a JSON file: atomic writes under an inter-process lock, schema check and
// migrations on every load, and a damaged file moved aside (never silently replaced by defaults).
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { removeAbandonedTempFiles, writeFileAtomic } from './atomicWrite';
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

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Loads the document: absent = empty, damaged = moved aside and reported, old = migrated and saved. */
async function loadDocument<T extends VersionedDocument>(file: string, format: DocumentFormat<T>): Promise<T> {
  const text = await readText(file);
  if (text === undefined) return format.empty();
  const location = `The ${format.title} file ${file}`;
  const decoded = decodeStoredText(format, text, location);
  if (!decoded.ok) {
    const movedTo = corruptCopyName(file, new Date());
    await rename(file, movedTo);
    throw new StoreCorruptError(location, movedTo, decoded.cause);
  }
  if (decoded.migratedFrom !== undefined) {
    await writeFileAtomic(file, serializeDocument(decoded.document));
  }
  return decoded.document;
}

export class JsonFileStore<T extends VersionedDocument> implements KeyValueStore<T> {
  private pending: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly location: string,
    private readonly format: DocumentFormat<T>,
    private current: T,
  ) {}

  /** Opens (or starts) the file; throws StoreCorruptError or StoreTooNewError instead of guessing. */
  static async open<T extends VersionedDocument>(file: string, format: DocumentFormat<T>): Promise<JsonFileStore<T>> {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await removeAbandonedTempFiles(file);
    // Locked too: loading may write (a migrated document) or move a damaged file aside.
    return new JsonFileStore(file, format, await withFileLock(file, () => loadDocument(file, format)));
  }

  snapshot(): T {
    return structuredClone(this.current);
  }

  get<K extends keyof T>(key: K): T[K] {
    return structuredClone(this.current[key]);
  }

  set<K extends Exclude<keyof T, 'version'>>(key: K, value: T[K]): Promise<void> {
    return this.update((current) => ({ ...current, [key]: value })).then(() => undefined);
  }

  update(change: (current: T) => T): Promise<T> {
    // Under the file's lock, so a change made by another process meanwhile is never overwritten;
    // nothing is written (or fsynced) when the change leaves the content as it was.
    const run = (): Promise<T> => withFileLock(this.location, async () => {
      const fresh = await loadDocument(this.location, this.format);
      const next = validateForWrite(this.format, { ...change(structuredClone(fresh)), version: this.format.version });
      const text = serializeDocument(next);
      if (text !== serializeDocument(fresh)) await writeFileAtomic(this.location, text);
      this.current = next;
      return structuredClone(next);
    });
    const result = this.pending.then(run, run);
    this.pending = result.catch(() => undefined);
    return result;
  }
}
