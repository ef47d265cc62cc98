// The plain Node store (the CLI and the tests): a DocumentStore whose writes are atomic
// replacements of the file (atomicWrite); temporary files of writers that died are cleared on open.
import { removeAbandonedTempFiles, writeFileAtomic } from './atomicWrite';
import { DocumentStore } from './documentStore';
import type { KeyValueStore } from './keyValueStore';
import { serializeDocument, type DocumentFormat, type VersionedDocument } from './versionedDocument';

/** Opens (or starts) the file; throws StoreCorruptError or StoreTooNewError instead of guessing. */
export async function openJsonFileStore<T extends VersionedDocument>(file: string, format: DocumentFormat<T>): Promise<KeyValueStore<T>> {
  const store = await DocumentStore.open(file, format, (document) => writeFileAtomic(file, serializeDocument(document)));
  await removeAbandonedTempFiles(file);
  return store;
}
