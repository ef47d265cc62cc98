// The colour theme in effect: the core's setting, 'system' following the OS's light or dark
// preference as it changes, applied as data-theme="light|dark" on <html>; the CSS variables do the rest.
import { useSyncExternalStore } from 'react';
import { THEMES, type Theme } from '../../../shared/api/settings';
import type { VfleetClient } from '../api/vfleetClient';

export type ThemeChoice = Theme;
export const THEME_CHOICES = THEMES;

const listeners = new Set<() => void>();
const osDark = window.matchMedia('(prefers-color-scheme: dark)');
let current: ThemeChoice = 'system';

/** The theme in effect, for the palette's "switch to dark/light". */
export function effectiveTheme(): 'light' | 'dark' {
  if (current !== 'system') return current;
  return osDark.matches ? 'dark' : 'light';
}

function paint(): void {
  document.documentElement.dataset.theme = effectiveTheme();
}

osDark.addEventListener('change', paint);
paint();

export function applyTheme(choice: ThemeChoice): void {
  current = choice;
  paint();
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
