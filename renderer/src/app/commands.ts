// The one registry of commands: every view, host, guest and action the palette reaches, built from
// the fleet as it is now. The palette lists them; the shortcuts and buttons run the same actions.
import type { GuestView, HostStatus } from '../../../shared/api/fleetState';
import type { AppServices } from './appContext';
import { LIFECYCLE_VERB, runLifecycle, type LifecycleAction } from './guestLifecycle';
import { navigate, type Route } from './routes';
import { effectiveTheme, saveTheme } from './theme';
import { openOnboardingDialog } from '../views/onboarding/OnboardingDialogs';

export interface Command {
  id: string;
  group: 'View' | 'Host' | 'Guest' | 'Action';
  title: string;
  /** Extra words the filter matches (address, state, tags). */
  keywords: string;
  run(): void;
}

const VIEWS: Array<{ title: string; route: Route; keywords: string }> = [
  { title: 'Fleet overview', route: { view: 'overview' }, keywords: 'hosts dashboard home' },
  { title: 'Guests', route: { view: 'guests' }, keywords: 'vserver-stat list exec bulk' },
  { title: 'Activity', route: { view: 'activity' }, keywords: 'audit log alerts operations' },
  { title: 'Settings', route: { view: 'settings' }, keywords: 'preferences theme interval thresholds' },
];

export function buildCommands(services: AppServices, hosts: readonly HostStatus[], guests: readonly GuestView[]): Command[] {
  const commands: Command[] = VIEWS.map((view) => ({
    id: `view:${view.route.view}`, group: 'View', title: `Go to ${view.title}`, keywords: view.keywords, run: () => navigate(view.route),
  }));
  const dark = effectiveTheme() === 'dark';
  commands.push({
    id: 'theme', group: 'Action', title: `Switch to the ${dark ? 'light' : 'dark'} theme`, keywords: 'theme colour color settings',
    run: () => {
      const operation = services.operations.start(`Switch to the ${dark ? 'light' : 'dark'} theme`);
      saveTheme(services.client, dark ? 'light' : 'dark').then(() => operation.succeed(), (error: unknown) => operation.fail(error));
    },
  });
  commands.push({ id: 'add-host', group: 'Action', title: 'Add a host', keywords: 'new host ssh register onboard', run: () => openOnboardingDialog({ kind: 'addHost' }) });
  commands.push({ id: 'import-hosts', group: 'Action', title: 'Import hosts', keywords: 'ssh_config ansible inventory onboard', run: () => openOnboardingDialog({ kind: 'importHosts' }) });
  commands.push({ id: 'create-guest', group: 'Action', title: 'Create a guest', keywords: 'build new guest wizard vserver', run: () => openOnboardingDialog({ kind: 'createGuest' }) });
  const waiting = hosts.filter((host) => host.trust === 'pending' || host.trust === 'blocked').length;
  if (waiting > 0) {
    commands.push({ id: 'host-keys', group: 'Action', title: `Check ${waiting} host key${waiting === 1 ? '' : 's'}`, keywords: 'approve fingerprint trust pending changed', run: () => openOnboardingDialog({ kind: 'hostKeys' }) });
  }
  for (const host of hosts) {
    const words = `${host.address} ${host.tags.join(' ')} ${host.connection}`;
    commands.push({ id: `host-edit:${host.name}`, group: 'Action', title: `Edit host ${host.name}`, keywords: words, run: () => openOnboardingDialog({ kind: 'editHost', name: host.name }) });
    commands.push({ id: `host:${host.name}`, group: 'Host', title: `Open host ${host.name}`, keywords: words, run: () => navigate({ view: 'host', host: host.name }) });
    commands.push({ id: `host-evacuate:${host.name}`, group: 'Action', title: `Evacuate host ${host.name}`, keywords: `${words} migrate maintenance drain`, run: () => openOnboardingDialog({ kind: 'evacuateHost', host: host.name }) });
    const connected = host.connection === 'connected';
    commands.push({
      id: `host-connect:${host.name}`, group: 'Action', title: `${connected ? 'Disconnect' : 'Connect'} host ${host.name}`, keywords: words,
      run: () => {
        const operation = services.operations.start(`${connected ? 'Disconnect' : 'Connect'} ${host.name}`);
        const call = connected ? services.client.call('hosts.disconnect', { names: [host.name] }) : services.client.call('hosts.connect', { names: [host.name] });
        call.then(() => operation.succeed(), (error: unknown) => operation.fail(error));
      },
    });
  }
  for (const guest of guests) {
    const ref = { host: guest.host, guest: guest.name };
    const words = `${guest.host} ${guest.state} ${guest.config?.nodename ?? ''} ${guest.config?.interfaces.map((entry) => entry.ip).join(' ') ?? ''}`;
    commands.push({ id: `guest:${guest.host}/${guest.name}`, group: 'Guest', title: `Open guest ${guest.name} on ${guest.host}`, keywords: words, run: () => navigate({ view: 'guest', ...ref }) });
    commands.push({ id: `guest-migrate:${guest.host}/${guest.name}`, group: 'Action', title: `Migrate guest ${guest.name} on ${guest.host}`, keywords: `${words} move host`, run: () => openOnboardingDialog({ kind: 'migrateGuest', ...ref }) });
    const actions: LifecycleAction[] = guest.state === 'running' ? ['stop', 'restart'] : ['start'];
    for (const action of actions) {
      commands.push({
        id: `guest-${action}:${guest.host}/${guest.name}`, group: 'Action', title: `${LIFECYCLE_VERB[action]} guest ${guest.name} on ${guest.host}`, keywords: words,
        run: () => void runLifecycle(services, action, [ref]),
      });
    }
  }
  return commands;
}

/** Commands whose title or keywords hold every word typed, titles that start with the query first. */
export function filterCommands(commands: readonly Command[], query: string, limit: number): Command[] {
  const words = query.toLowerCase().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return commands.filter((command) => command.group === 'View' || command.group === 'Host').slice(0, limit);
  const scored: Array<{ command: Command; score: number }> = [];
  for (const command of commands) {
    const title = command.title.toLowerCase();
    const haystack = `${title} ${command.keywords.toLowerCase()}`;
    if (!words.every((word) => haystack.includes(word))) continue;
    const titleHits = words.filter((word) => title.includes(word)).length;
    const groupRank = { View: 0, Guest: 1, Host: 2, Action: 3 }[command.group];
    scored.push({ command, score: titleHits * 10 - groupRank });
  }
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, limit).map((entry) => entry.command);
}
