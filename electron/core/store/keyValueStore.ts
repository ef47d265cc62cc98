// The one store interface of the fleet core: a versioned, schema-checked document of named
// values. A JSON file backs it in plain Node, electron-store in the desktop app.
import type { VersionedDocument } from './versionedDocument';

export interface KeyValueStore<T extends VersionedDocument> {
  /** Where the content lives (a file path), for messages. */
  readonly location: string;
  /** The content as last loaded or written. */
  snapshot(): T;
  get<K extends keyof T>(key: K): T[K];
  /** Replaces one value; the whole document is validated before anything is written. */
  set<K extends Exclude<keyof T, 'version'>>(key: K, value: T[K]): Promise<void>;
  /**
   * Applies a change to the freshest content (re-read from its backing storage, so another
   * process's write is not lost) and writes the result; concurrent calls run one after another.
   */
  update(change: (current: T) => T): Promise<T>;
}
