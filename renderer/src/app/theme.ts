// The colour theme in effect: the core's setting ('system' follows the OS's light or dark
// preference), applied as data-theme on <html>; the CSS variables do the rest.
import { useSyncExternalStore } from 'react';
import { THEMES, type Theme } from '../../../shared/api/settings';
import type { VfleetClient } from '../api/vfleetClient';

export type ThemeChoice = Theme;
export const THEME_CHOICES = THEMES;

const listeners = new Set<() => void>();
let current: ThemeChoice = 'system';

export function applyTheme(choice: ThemeChoice): void {
  current = choice;
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  for (const listener of listeners) listener();
}

/** Reads the core's theme once the page starts; until then (or if it cannot be read) the OS's applies. */
export function loadTheme(client: VfleetClient): void {
  client.call('settings.get', {}).then((settings) => applyTheme(settings.theme), () => undefined);
}

/** Stores a theme in the core's settings and applies it. */
export async function saveTheme(client: VfleetClient, choice: ThemeChoice): Promise<void> {
  const settings = await client.call('settings.update', { theme: choice });
  applyTheme(settings.theme);
}

export function useTheme(): ThemeChoice {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

/** The theme in effect, for the palette's "switch to dark/light". */
export function effectiveTheme(): 'light' | 'dark' {
  if (current !== 'system') return current;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
