// The native menu: File, Edit, View, Window and Help with the platform's usual roles and
// shortcuts (an app menu first on macOS), View's items for the app's pages and Ctrl/Cmd+K for the
// command palette. Items that change the page send it a hash route (desktopRoutes).
import type { MenuItemConstructorOptions } from 'electron';
import { desktopRoutes } from '../../shared/api/desktopApi';

export interface AppMenuOptions {
  platform: NodeJS.Platform;
  /** Shows a hash route in the window (focusing it first). */
  navigate(route: string): void;
  /** Reload and the developer tools: in a development run only, never in a packaged app. */
  developer: boolean;
}

export function appMenuTemplate({ platform, navigate, developer }: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const go = (label: string, route: string, accelerator?: string): MenuItemConstructorOptions =>
    ({ label, ...(accelerator !== undefined ? { accelerator } : {}), click: () => navigate(route) });
  const palette = go('Command Palette…', desktopRoutes.palette, 'CmdOrCtrl+K');
  // Cmd+, belongs to the app menu's Settings… on macOS, to View's Settings elsewhere.
  const settingsShortcut = 'CmdOrCtrl+,';
  const separator: MenuItemConstructorOptions = { type: 'separator' };

  const appMenu: MenuItemConstructorOptions = {
    role: 'appMenu',
    submenu: [{ role: 'about' }, separator, go('Settings…', desktopRoutes.settings, settingsShortcut), separator, { role: 'services' }, separator, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, separator, { role: 'quit' }],
  };
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [palette, separator, mac ? { role: 'close' } : { role: 'quit' }],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      go('Fleet', desktopRoutes.fleet, 'CmdOrCtrl+1'),
      go('Guests', desktopRoutes.guests, 'CmdOrCtrl+2'),
      go('Activity', desktopRoutes.activity, 'CmdOrCtrl+3'),
      go('Settings', desktopRoutes.settings, mac ? undefined : settingsShortcut),
      separator,
      ...(developer ? [{ role: 'reload' }, { role: 'toggleDevTools' }, separator] satisfies MenuItemConstructorOptions[] : []),
      { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [go('Find a Command…', desktopRoutes.palette), ...(mac ? [] : [separator, { role: 'about' } satisfies MenuItemConstructorOptions])],
  };
  return [...(mac ? [appMenu] : []), file, { role: 'editMenu' }, view, { role: 'windowMenu' }, help];
}
