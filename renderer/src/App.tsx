// The window: navigation, the link banner, the command palette and the view the hash names.
import { lazy, Suspense, useEffect, useState } from 'react';
import { onShellNavigate } from './api/connect';
import { CommandPalette } from './app/CommandPalette';
import { routeHref, useRoute, type Route } from './app/routes';
import { useAlerts, useLink, useLoaded } from './store/useFleet';
import { Loading } from './widgets/Notice';
import { ActivityView } from './views/activity/ActivityView';
import { GuestList } from './views/guests/GuestList';
import { OnboardingDialogs } from './views/onboarding/OnboardingDialogs';
import { FleetOverview } from './views/overview/FleetOverview';
import { SettingsView } from './views/settings/SettingsView';

// The pages with charts (recharts) and the terminal (xterm.js) load when first opened: the overview
// and the guest list, where the app starts, do without most of the bundle.
const GuestPage = lazy(() => import('./views/guests/GuestPage').then((module) => ({ default: module.GuestPage })));
const HostPage = lazy(() => import('./views/hosts/HostPage').then((module) => ({ default: module.HostPage })));

const NAVIGATION: Array<{ label: string; route: Route; matches: Route['view'][] }> = [
  { label: 'Overview', route: { view: 'overview' }, matches: ['overview', 'host'] },
  { label: 'Guests', route: { view: 'guests' }, matches: ['guests', 'guest'] },
  { label: 'Activity', route: { view: 'activity' }, matches: ['activity'] },
  { label: 'Settings', route: { view: 'settings' }, matches: ['settings'] },
];

function LinkBanner() {
  const link = useLink();
  if (link.state === 'open') return null;
  return (
    <div className={`link-banner ${link.state === 'lost' ? 'lost' : ''}`} role="alert">
      {link.state === 'connecting'
        ? 'Connecting to the fleet core…'
        : `Connection to the core lost, retrying (attempt ${link.attempt})${link.reason ? `: ${link.reason}` : ''}. What is shown is the last known state.`}
    </div>
  );
}

function CurrentView({ route }: { route: Route }) {
  switch (route.view) {
    case 'overview':
      return <FleetOverview />;
    case 'guests':
      return <GuestList />;
    case 'host':
      return <HostPage key={route.host} host={route.host} />;
    case 'guest':
      return <GuestPage key={`${route.host}/${route.guest}`} host={route.host} guest={route.guest} />;
    case 'activity':
      return <ActivityView />;
    case 'settings':
      return <SettingsView />;
  }
}

export function App() {
  const route = useRoute();
  const loaded = useLoaded();
  const alerts = useAlerts();
  const [palette, setPalette] = useState(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setPalette((open) => !open);
      }
    };
    window.addEventListener('keydown', onKey);
    const stopShellNavigation = onShellNavigate(() => setPalette(true));
    return () => {
      window.removeEventListener('keydown', onKey);
      stopShellNavigation();
    };
  }, []);
  useEffect(() => {
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [route.view]);
  const title = route.view === 'host' ? route.host : route.view === 'guest' ? `${route.guest} on ${route.host}` : NAVIGATION.find((entry) => entry.matches.includes(route.view))?.label;
  useEffect(() => {
    document.title = title ? `${title} · vfleet` : 'vfleet';
  }, [title]);
  const critical = alerts.filter((alert) => alert.severity === 'critical').length;
  return (
    <div className="shell">
      <a className="skip-link" href="#main" onClick={(event) => {
        event.preventDefault();
        document.getElementById('main')?.focus();
      }}>Skip to content</a>
      <nav className="sidebar" aria-label="Views">
        <div className="brand" aria-hidden="true">vfleet</div>
        <ul>
          {NAVIGATION.map((entry) => {
            const current = entry.matches.includes(route.view);
            return (
              <li key={entry.label}>
                <a href={routeHref(entry.route)} aria-current={current ? 'page' : undefined} className={current ? 'current' : ''}>
                  {entry.label}
                  {entry.label === 'Activity' && alerts.length > 0 ? (
                    <span className={`count ${critical > 0 ? 'tone-bad' : 'tone-warn'}`} aria-label={`${alerts.length} active alerts`}>{alerts.length}</span>
                  ) : null}
                </a>
              </li>
            );
          })}
        </ul>
        <button type="button" className="palette-button" onClick={() => setPalette(true)} aria-keyshortcuts="Control+K Meta+K">
          Commands <kbd>Ctrl K</kbd>
        </button>
      </nav>
      <div className="workspace">
        <LinkBanner />
        <main id="main" tabIndex={-1} className="content">
          {loaded ? <Suspense fallback={<Loading what="the page" />}><CurrentView route={route} /></Suspense> : <Loading what="the fleet" />}
        </main>
      </div>
      {palette ? <CommandPalette onClose={() => setPalette(false)} /> : null}
      <OnboardingDialogs />
    </div>
  );
}
