// The core's settings (settings.get, settings.update): what the admin changed, kept in
// settings.json through the store modules, over the defaults (the core's own, then what its
// creator passed). A change is stored first, then handed to the parts of the running core that
// can take it (fleet.ts wires which).
import { z } from 'zod';
import { mergeSettings, settingsUpdateSchema, type Settings, type SettingsUpdate } from '../../../shared/api/settings';
import type { KeyValueStore } from '../store/keyValueStore';
import type { DocumentFormat } from '../store/versionedDocument';

export const SETTINGS_FORMAT_VERSION = 1;

const settingsDocumentSchema = z.object({
  version: z.literal(SETTINGS_FORMAT_VERSION),
  /** Only what the admin changed, so a later vfleet's better default reaches every value left alone. */
  changes: settingsUpdateSchema,
}).strict();
export type SettingsDocument = z.infer<typeof settingsDocumentSchema>;

export const settingsFormat: DocumentFormat<SettingsDocument> = {
  title: 'settings',
  version: SETTINGS_FORMAT_VERSION,
  schema: settingsDocumentSchema,
  migrations: [],
  empty: () => ({ version: SETTINGS_FORMAT_VERSION, changes: {} }),
};

/** Applies settings to the running core; `previous` tells what changed. */
export type ApplySettings = (settings: Settings, previous: Settings) => Promise<void> | void;

export class FleetSettings {
  private apply: ApplySettings = () => undefined;
  /** Changes run one after another, so each is applied against the one before it. */
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: KeyValueStore<SettingsDocument>, private readonly defaults: Settings) {}

  /** The settings in force: the defaults under the stored changes. */
  current(): Settings {
    return mergeSettings(this.defaults, this.store.get('changes'));
  }

  /** Where changes go once stored (set once by the core's composition). */
  onChange(apply: ApplySettings): void {
    this.apply = apply;
  }

  /** Stores a change (validated by the API entry) and applies it; returns the settings now in force. */
  update(update: SettingsUpdate): Promise<Settings> {
    const run = async (): Promise<Settings> => {
      const previous = this.current();
      await this.store.update((document) => ({ ...document, changes: mergeSettings(document.changes, update) }));
      const next = this.current();
      await this.apply(next, previous);
      return next;
    };
    const result = this.pending.then(run, run);
    this.pending = result.catch(() => undefined);
    return result;
  }
}
