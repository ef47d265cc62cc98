// The desktop window's remembered state (size, position, maximised, last view) in window.json of
// vfleet's config directory, written through electron-store like the app's other stores.
import { z } from 'zod';
import { isDesktopRoute } from '../../shared/api/desktopApi';
import { StoreCorruptError } from '../core/store/storeErrors';
import type { DocumentFormat } from '../core/store/versionedDocument';
import { openElectronStore } from './electronKeyValueStore';

const coordinate = z.number().int().min(-1_000_000).max(1_000_000);
const extent = z.number().int().min(1).max(1_000_000);

export const windowBoundsSchema = z.object({ x: coordinate, y: coordinate, width: extent, height: extent }).strict();
export type WindowBounds = z.infer<typeof windowBoundsSchema>;

export const windowStateSchema = z.object({
  /** The bounds when not maximised (Electron's getNormalBounds). */
  bounds: windowBoundsSchema,
  maximized: z.boolean(),
  /** The hash route the window last showed. */
  route: z.string().refine(isDesktopRoute, 'not a route of the app').optional(),
}).strict();
export type WindowState = z.infer<typeof windowStateSchema>;

const windowDocumentSchema = z.object({ version: z.literal(1), window: windowStateSchema.optional() }).strict();
type WindowDocument = z.infer<typeof windowDocumentSchema>;

export const windowStateFormat: DocumentFormat<WindowDocument> = {
  title: 'window state',
  version: 1,
  schema: windowDocumentSchema,
  migrations: [],
  empty: () => ({ version: 1 }),
};

export interface WindowStateStore {
  /** The state last saved, if any. */
  load(): WindowState | undefined;
  /** Saves the state; an invalid one is refused and the stored one kept. */
  save(state: WindowState): Promise<void>;
}

/** A damaged window.json is moved aside (and `log` says where): the window then opens at its default place. */
export async function openWindowStateStore(directory: string, log: (line: string) => void): Promise<WindowStateStore> {
  const open = () => openElectronStore(directory, 'window', windowStateFormat);
  const store = await open().catch((error: unknown) => {
    if (!(error instanceof StoreCorruptError) || error.movedTo === undefined) throw error;
    log(`vfleet: ${error.message}`);
    return open();
  });
  return {
    load: () => store.get('window'),
    save: async (state) => { await store.update((current) => ({ ...current, window: state })); },
  };
}
