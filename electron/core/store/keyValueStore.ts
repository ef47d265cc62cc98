// The one store interface of the fleet core: a versioned, schema-checked document of named
// values. A JSON file backs it in plain Node, electron-store in the desktop app (both DocumentStore).
import type { VersionedDocument } from './versionedDocument';

export interface KeyValueStore<T extends VersionedDocument> {
  /** Where the content lives (a file path), for messages. */
  readonly location: string;
  /** One value as last loaded or written. */
  get<K extends keyof T>(key: K): T[K];
  /**
   * Applies a change to the freshest content (re-read from its backing storage, so another
   * process's write is not lost), validates the whole document and writes it; concurrent calls
   * run one after another.
   */
  update(change: (current: T) => T): Promise<T>;
}
