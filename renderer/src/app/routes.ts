// The views' addresses in the page's hash (#/hosts/lab-1, #/guests/lab-1/web1), so the palette,
// notifications and links can open any page, and reload keeps it.
import { useSyncExternalStore } from 'react';

export type Route =
  | { view: 'overview' }
  | { view: 'guests' }
  | { view: 'host'; host: string }
  | { view: 'guest'; host: string; guest: string }
  | { view: 'activity' }
  | { view: 'settings' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((part) => part !== '').map(decodeURIComponent);
  const [first, second, third] = parts;
  if (first === 'guests' && second !== undefined && third !== undefined) return { view: 'guest', host: second, guest: third };
  if (first === 'guests') return { view: 'guests' };
  if (first === 'hosts' && second !== undefined) return { view: 'host', host: second };
  if (first === 'activity') return { view: 'activity' };
  if (first === 'settings') return { view: 'settings' };
  return { view: 'overview' };
}

export function routeHref(route: Route): string {
  switch (route.view) {
    case 'overview':
      return '#/';
    case 'guests':
      return '#/guests';
    case 'host':
      return `#/hosts/${encodeURIComponent(route.host)}`;
    case 'guest':
      return `#/guests/${encodeURIComponent(route.host)}/${encodeURIComponent(route.guest)}`;
    case 'activity':
      return '#/activity';
    case 'settings':
      return '#/settings';
  }
}

export function navigate(route: Route): void {
  window.location.hash = routeHref(route);
}

function subscribeHash(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  return parseRoute(hash);
}
