// KeyValueStore on electron-store for the desktop app. The content is checked with the same
// schema and migrations as the plain Node store; a damaged file is moved aside before
// electron-store opens it, because electron-store would otherwise throw or reset it.
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Store from 'electron-store';
import { withFileLock } from '../core/store/fileLock';
import type { KeyValueStore } from '../core/store/keyValueStore';
import { StoreCorruptError } from '../core/store/storeErrors';
import {
  corruptCopyName,
  decodeStoredText,
  serializeDocument,
  validateForWrite,
  type DocumentFormat,
  type VersionedDocument,
} from '../core/store/versionedDocument';

function readDocument<T extends VersionedDocument>(file: string, format: DocumentFormat<T>): { document: T; migrated: boolean } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { document: format.empty(), migrated: false };
    throw error;
  }
  const location = `The ${format.title} file ${file}`;
  const decoded = decodeStoredText(format, text, location);
  if (!decoded.ok) {
    const movedTo = corruptCopyName(file, new Date());
    renameSync(file, movedTo);
    throw new StoreCorruptError(location, movedTo, decoded.cause);
  }
  return { document: decoded.document, migrated: decoded.migratedFrom !== undefined };
}

function asRecord(document: VersionedDocument): Record<string, unknown> {
  return Object.fromEntries(Object.entries(document));
}

export class ElectronKeyValueStore<T extends VersionedDocument> implements KeyValueStore<T> {
  private constructor(
    private readonly backing: Store<Record<string, unknown>>,
    private readonly format: DocumentFormat<T>,
    private current: T,
  ) {}

  /** Opens `<directory>/<name>.json` (directory: app.getPath('userData') in the app). */
  static open<T extends VersionedDocument>(directory: string, name: string, format: DocumentFormat<T>): ElectronKeyValueStore<T> {
    const { document, migrated } = readDocument(join(directory, `${name}.json`), format);
    const backing = new Store<Record<string, unknown>>({ cwd: directory, name, clearInvalidConfig: false, configFileMode: 0o600 });
    if (migrated) backing.store = asRecord(document);
    return new ElectronKeyValueStore(backing, format, document);
  }

  get location(): string {
    return this.backing.path;
  }

  snapshot(): T {
    return structuredClone(this.current);
  }

  get<K extends keyof T>(key: K): T[K] {
    return structuredClone(this.current[key]);
  }

  async set<K extends Exclude<keyof T, 'version'>>(key: K, value: T[K]): Promise<void> {
    await this.update((current) => ({ ...current, [key]: value }));
  }

  /** Under the same lock file as the CLI's JsonFileStore on this file; an unchanged document is not written. */
  update(change: (current: T) => T): Promise<T> {
    return withFileLock(this.backing.path, async () => {
      const { document: fresh } = readDocument(this.backing.path, this.format);
      const next = validateForWrite(this.format, { ...change(structuredClone(fresh)), version: this.format.version });
      if (serializeDocument(next) !== serializeDocument(fresh)) this.backing.store = asRecord(next);
      this.current = next;
      return structuredClone(next);
    });
  }
}
