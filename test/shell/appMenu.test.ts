// The native menu's template as Menu.buildFromTemplate receives it: the usual menus and roles per
// platform, the page items and the palette sending the right hash routes, one item per shortcut,
// and the developer items only in a development run. (Roles are checked by the type of
// Electron's MenuItemConstructorOptions; building the menu needs Electron.)
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { appMenuTemplate } from '../../electron/shell/appMenu';

function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
}

function menu(platform: NodeJS.Platform, developer = false) {
  const routes: string[] = [];
  const template = appMenuTemplate({ platform, developer, navigate: (route) => routes.push(route) });
  const all = items(template);
  const click = (label: string): string | undefined => {
    const item = all.find((candidate) => candidate.label === label);
    if (!item?.click) throw new Error(`no item ${label}`);
    (item.click as () => void)();
    return routes.at(-1);
  };
  return { template, all, click };
}

const shortcuts = (all: MenuItemConstructorOptions[]) => all.flatMap((item) => (item.accelerator ? [[item.accelerator, item.label]] : []));

describe('the application menu', () => {
  it('on Linux and Windows: File, Edit, View, Window, Help', () => {
    for (const platform of ['linux', 'win32'] as const) {
      const { template, all } = menu(platform);
      expect(template.map((item) => item.role ?? item.label)).toEqual(['&File', 'editMenu', '&View', 'windowMenu', 'help']);
      expect(all.map((item) => item.role).filter(Boolean)).toEqual(expect.arrayContaining(['quit', 'about', 'togglefullscreen', 'zoomIn']));
      expect(all.some((item) => item.role === 'appMenu')).toBe(false);
    }
  });

  it("on macOS: the app menu first, with Settings… on Cmd+, and Quit; File closes the window", () => {
    const { template, all, click } = menu('darwin');
    expect(template.map((item) => item.role ?? item.label)).toEqual(['appMenu', '&File', 'editMenu', '&View', 'windowMenu', 'help']);
    const appItems = items(template[0]?.submenu as MenuItemConstructorOptions[]);
    expect(appItems.map((item) => item.role ?? item.label)).toEqual(expect.arrayContaining(['about', 'Settings…', 'hide', 'quit']));
    expect(appItems.find((item) => item.label === 'Settings…')?.accelerator).toBe('CmdOrCtrl+,');
    expect(click('Settings…')).toBe('#/settings');
    const file = template[1]?.submenu as MenuItemConstructorOptions[];
    expect(file.map((item) => item.role).filter(Boolean)).toEqual(['close']);
    expect(all.filter((item) => item.role === 'quit')).toHaveLength(1);
  });

  it("View's items open the app's pages, each on its shortcut", () => {
    const { all, click } = menu('linux');
    expect(click('Fleet')).toBe('#/');
    expect(click('Guests')).toBe('#/guests');
    expect(click('Activity')).toBe('#/activity');
    expect(click('Settings')).toBe('#/settings');
    expect(shortcuts(all)).toEqual(expect.arrayContaining([['CmdOrCtrl+1', 'Fleet'], ['CmdOrCtrl+2', 'Guests'], ['CmdOrCtrl+3', 'Activity'], ['CmdOrCtrl+,', 'Settings']]));
  });

  it('Ctrl/Cmd+K opens the command palette', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const { all, click } = menu(platform);
      expect(all.find((item) => item.accelerator === 'CmdOrCtrl+K')?.label).toBe('Command Palette…');
      expect(click('Command Palette…')).toBe('#/palette');
    }
  });

  it('gives every shortcut to one item only', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      for (const developer of [false, true]) {
        const keys = shortcuts(menu(platform, developer).all).map(([key]) => key);
        expect(new Set(keys).size, `${platform} ${developer}`).toBe(keys.length);
      }
    }
  });

  it('has reload and the developer tools only in a development run', () => {
    const roles = (developer: boolean) => menu('linux', developer).all.map((item) => item.role);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(false)).not.toContain('reload');
    expect(roles(true)).toEqual(expect.arrayContaining(['toggleDevTools', 'reload']));
  });
});
