// Guest configurations kept between reads while nothing changes. A configuration is a tree of
// small files (util-vserver's layout) that an admin edits by hand, util-vserver's tools rewrite
// and other agent processes change; reading it whole costs dozens of opens, and the health
// sampler and the state watcher need every guest's several times a second. So each cached entry
// holds an inotify watch (fs.watch) on every directory of its tree, and any change there drops
// it: the next read is fresh. Where a watch cannot be had (no inotify, watches exhausted), that
// guest is simply read every time.
import { readdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { GuestConfig } from '../../../shared/domain/guest';

/** Files the agent itself writes into a configuration while the guest runs: not configuration. */
const NOT_CONFIGURATION = new Set(['console.log', 'console.log.1']);

interface Entry {
  config: GuestConfig;
  watchers: FSWatcher[];
}

/** Every directory of a configuration tree, links not followed. */
function directoriesOf(root: string): string[] {
  const found = [root];
  for (let index = 0; index < found.length; index += 1) {
    const directory = found[index] as string;
    try {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        if (entry.isDirectory()) found.push(join(directory, entry.name));
      }
    } catch {
      // A directory that vanished while being listed: the watch on its parent reports it.
    }
  }
  return found;
}

export class GuestConfigCache {
  private readonly entries = new Map<string, Entry>();
  /** Changes seen per guest, so a read that raced with a change is not kept. */
  private readonly changes = new Map<string, number>();

  constructor(
    private readonly configBase: string,
    private readonly read: (name: string) => Promise<GuestConfig>,
  ) {}

  /** The cached configuration, or a fresh read that is kept until its tree changes. */
  async get(name: string): Promise<GuestConfig> {
    const cached = this.entries.get(name);
    if (cached) return cached.config;
    return this.refresh(name);
  }

  /** Reads the configuration anew (for actions that must see the files as they are now) and keeps it. */
  async refresh(name: string): Promise<GuestConfig> {
    this.drop(name);
    const before = this.changes.get(name) ?? 0;
    // Watched before reading: a change during the read is seen and the read not kept.
    const watchers = this.watchTree(name);
    try {
      const config = await this.read(name);
      if (watchers && (this.changes.get(name) ?? 0) === before) this.entries.set(name, { config, watchers });
      else watchers?.forEach((watcher) => watcher.close());
      return config;
    } catch (error) {
      watchers?.forEach((watcher) => watcher.close());
      throw error;
    }
  }

  /** Forgets the guests not in `names` (their configuration is gone). */
  retain(names: string[]): void {
    const kept = new Set(names);
    for (const name of [...this.entries.keys()]) if (!kept.has(name)) this.drop(name);
    for (const name of [...this.changes.keys()]) if (!kept.has(name)) this.changes.delete(name);
  }

  close(): void {
    for (const name of [...this.entries.keys()]) this.drop(name);
  }

  private drop(name: string): void {
    this.entries.get(name)?.watchers.forEach((watcher) => watcher.close());
    this.entries.delete(name);
  }

  private changed(name: string, file: string | null): void {
    if (file !== null && NOT_CONFIGURATION.has(file)) return;
    this.changes.set(name, (this.changes.get(name) ?? 0) + 1);
    this.drop(name);
  }

  private watchTree(name: string): FSWatcher[] | undefined {
    const watchers: FSWatcher[] = [];
    try {
      for (const directory of directoriesOf(join(this.configBase, name))) {
        const watcher = watch(directory, { persistent: false }, (_event, file) => this.changed(name, file));
        watcher.on('error', () => this.changed(name, null));
        watchers.push(watcher);
      }
      return watchers;
    } catch {
      watchers.forEach((watcher) => watcher.close());
      return undefined;
    }
  }
}
