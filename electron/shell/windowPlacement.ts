// Where the window opens: the remembered bounds when they are still on a display (its title bar
// reachable), else centred on the primary display; never larger than the display's work area. And
// the view to remember from the window's URL.
import type { WindowBounds, WindowState } from '../adapters/windowStateStore';
import { desktopRoutes, isDesktopRoute } from '../../shared/api/desktopApi';
import { isAppUrl } from './appProtocol';

export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 800 };
/** How much of the window's top edge must lie on a display for its remembered place to be kept. */
const VISIBLE_TITLE = { width: 100, height: 40 };

/** A display's work area (Electron's Display.workArea: the screen without task bars and docks). */
export type WorkArea = WindowBounds;

function overlap(a: WindowBounds, b: WorkArea): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/** Whether the window's title strip (its top VISIBLE_TITLE.height pixels) shows on `area` by at least VISIBLE_TITLE. */
function titleVisibleOn(bounds: WindowBounds, area: WorkArea): boolean {
  const title = overlap({ ...bounds, height: Math.min(bounds.height, VISIBLE_TITLE.height) }, area);
  return title.width >= Math.min(VISIBLE_TITLE.width, bounds.width) && title.height >= Math.min(VISIBLE_TITLE.height, bounds.height);
}

function clampSize(size: { width: number; height: number }, area: WorkArea): { width: number; height: number } {
  return { width: Math.min(size.width, area.width), height: Math.min(size.height, area.height) };
}

/** The bounds to open the window with, given what was saved and the displays now attached. */
export function restoreWindowBounds(saved: WindowState | undefined, displays: readonly WorkArea[], primary: WorkArea): WindowBounds {
  if (saved) {
    const home = displays.find((area) => titleVisibleOn(saved.bounds, area));
    if (home) {
      const size = clampSize(saved.bounds, home);
      // Kept where it was, moved only as far as needed to fit the display it is on.
      const x = Math.min(Math.max(saved.bounds.x, home.x), home.x + home.width - size.width);
      const y = Math.min(Math.max(saved.bounds.y, home.y), home.y + home.height - size.height);
      return { x, y, ...size };
    }
  }
  const size = clampSize(saved?.bounds ?? DEFAULT_WINDOW_SIZE, primary);
  return {
    x: primary.x + Math.floor((primary.width - size.width) / 2),
    y: primary.y + Math.floor((primary.height - size.height) / 2),
    ...size,
  };
}

/** The view to remember for a window showing `url`: its hash route, unless it is not the app's or is the palette. */
export function rememberedRoute(url: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  const hash = new URL(url).hash;
  return isDesktopRoute(hash) && hash !== desktopRoutes.palette ? hash : undefined;
}
