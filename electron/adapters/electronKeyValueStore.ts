// The desktop app's KeyValueStore: a DocumentStore whose writes go through electron-store. Reads,
// schema checks, migrations and moving a damaged file aside are the core's (electron-store would
// throw on, or reset, a damaged file), and so is the lock: the CLI opens the same hosts.json.
import { resolve } from 'node:path';
import type ElectronStore from 'electron-store';
import { DocumentStore } from '../core/store/documentStore';
import type { KeyValueStore } from '../core/store/keyValueStore';
import type { DocumentFormat, VersionedDocument } from '../core/store/versionedDocument';

/** Opens `<directory>/<name>.json` through electron-store. */
export async function openElectronStore<T extends VersionedDocument>(directory: string, name: string, format: DocumentFormat<T>): Promise<KeyValueStore<T>> {
  // electron-store is an ES module; the main process is bundled as CommonJS.
  const { default: Store } = await import('electron-store');
  const file = resolve(directory, `${name}.json`);
  // Created at the first write, under the lock: its constructor reads the file, which must be valid by then.
  let backing: ElectronStore<Record<string, unknown>> | undefined;
  return DocumentStore.open(file, format, async (document) => {
    backing ??= new Store<Record<string, unknown>>({ cwd: directory, name, fileExtension: 'json', clearInvalidConfig: false, configFileMode: 0o600 });
    if (backing.path !== file) throw new Error(`electron-store writes ${backing.path}, not ${file}`);
    backing.store = { ...document };
  });
}
