// A guest's page: state and configuration (context, addresses, hostname, init style, mark, flags),
// actions (start, stop, restart, migrate, and delete confirmed by typing the name), limits with their
// usage, replicas (and the restart elsewhere of a down host's guest), capabilities, processes, charts
// and a terminal into the guest. While a migration moves the guest off or onto this host, a badge and
// a notice name it and every change is disabled.
import { useState, type ReactNode } from 'react';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { LIFECYCLE_RUNNING, LIFECYCLE_VERB, runLifecycle, type LifecycleAction } from '../../app/guestLifecycle';
import { navigate, routeHref } from '../../app/routes';
import { useGuest, useGuestMigration, useGuestSeries, useHost, useMigrations } from '../../store/useFleet';
import { useHistory } from '../../store/useHistory';
import { Dialog } from '../../widgets/Dialog';
import { formatBytes, formatDateTime, formatPercent, formatUptime } from '../../widgets/format';
import { EmptyState, FailureNotice } from '../../widgets/Notice';
import { GuestStateBadge } from '../../widgets/StateBadge';
import { useNow } from '../../widgets/useNow';
import { CapabilitiesPanel } from './CapabilitiesPanel';
import { GuestCharts } from './GuestCharts';
import { GuestTerminal } from './GuestTerminal';
import { LimitsEditor } from './LimitsEditor';
import { ProcessesPanel } from './ProcessesPanel';
import { GuestMigrationBadge, migrationName, PHASE_WORDS } from '../migration/migrationFacts';
import { openOnboardingDialog } from '../onboarding/OnboardingDialogs';
import { ReplicaPanel } from './ReplicaPanel';

function DeleteDialog({ host, guest, onClose }: { host: string; guest: string; onClose: () => void }) {
  const services = useServices();
  const [typed, setTyped] = useState('');
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    const operation = services.operations.start(`Delete ${host}/${guest}`);
    try {
      await services.client.call('guest.delete', { host, guest });
      operation.succeed();
      onClose();
      navigate({ view: 'host', host });
    } catch (error) {
      operation.fail(error);
      setFailure(describeFailure(`delete ${host}/${guest}`, error));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Delete ${guest} on ${host}`} onClose={onClose}>
      <form onSubmit={(event) => {
        event.preventDefault();
        if (typed === guest) void confirm();
      }}>
        <p>This removes the guest's configuration (<code>/etc/vservers/{guest}</code>) and its whole root directory on {host}. It cannot be undone.</p>
        <label>
          <span>Type the guest's name, <strong className="mono">{guest}</strong>, to confirm</span>
          <input value={typed} onChange={(event) => setTyped(event.target.value)} autoFocus autoComplete="off" spellCheck={false} />
        </label>
        {failure ? <FailureNotice failure={failure} /> : null}
        <div className="toolbar">
          <button type="submit" className="danger" disabled={typed !== guest || busy}>{busy ? 'Deleting…' : `Delete ${guest}`}</button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  );
}

function Section({ title, children, wide }: { title: string; children: ReactNode; wide?: boolean }) {
  return (
    <section className={`panel ${wide ? 'panel-wide' : ''}`} aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function GuestPage({ host, guest: name }: { host: string; guest: string }) {
  const services = useServices();
  const guest = useGuest(host, name);
  const hostStatus = useHost(host);
  const series = useGuestSeries(host, name);
  const { history } = useHistory(host, name);
  const now = useNow(1_000);
  const [busy, setBusy] = useState<LifecycleAction | undefined>();
  const [failures, setFailures] = useState<Failure[]>([]);
  const [deleting, setDeleting] = useState(false);
  const migration = useGuestMigration(host, name);
  // Newest first: the last migration that moved this guest away from this host, if this page saw one.
  const movedAway = useMigrations().find((track) => track.progress.host === host && track.progress.guest === name && track.progress.phase === 'done');

  if (!guest) {
    return (
      <div className="page">
        <h1>{name}</h1>
        <EmptyState title={`There is no guest ${name} on ${host}`}>
          It may have been deleted, or {host} has not listed its guests yet. See <a href={routeHref({ view: 'host', host })}>{host}</a> or the <a href={routeHref({ view: 'guests' })}>guest list</a>.
        </EmptyState>
      </div>
    );
  }
  const hostDown = hostStatus?.connection !== 'connected';
  const running = guest.state === 'running';
  const config = guest.config;
  const act = async (action: LifecycleAction): Promise<void> => {
    setBusy(action);
    setFailures((await runLifecycle(services, action, [{ host, guest: name }])).map((entry) => entry.failure));
    setBusy(undefined);
  };
  const actions: LifecycleAction[] = running ? ['stop', 'restart'] : ['start'];
  const moving = migration ? migrationName(migration.progress) : undefined;
  const locked = busy !== undefined || hostDown || moving !== undefined;
  return (
    <div className="page">
      <header className="page-header">
        <h1>{name}</h1>
        <GuestStateBadge state={guest.state} hostDown={hostDown} misconfigured={guest.misconfigured !== undefined} />
        <GuestMigrationBadge host={host} guest={name} />
        <span className="muted">on <a href={routeHref({ view: 'host', host })}>{host}</a></span>
        <span className="toolbar-gap" />
        {actions.map((action) => (
          <button key={action} type="button" className={action === 'start' ? 'primary' : ''} disabled={locked} title={moving ? `busy: ${moving}` : undefined} onClick={() => void act(action)}>
            {busy === action ? `${LIFECYCLE_RUNNING[action]}…` : LIFECYCLE_VERB[action]}
          </button>
        ))}
        <button type="button" disabled={locked} title={moving ? `busy: ${moving}` : undefined} onClick={() => openOnboardingDialog({ kind: 'migrateGuest', host, guest: name })}>
          Migrate…
        </button>
        <button type="button" className="danger" disabled={locked || running} title={moving ? `busy: ${moving}` : running ? 'Stop the guest before deleting it' : undefined} onClick={() => setDeleting(true)}>
          Delete…
        </button>
      </header>
      {movedAway && !migration ? (
        <p className="notice notice-warn" role="status">
          <span>
            {name} was moved to <a href={routeHref({ view: 'guest', host: movedAway.progress.to, guest: name })}>{movedAway.progress.to}</a> by {migrationName(movedAway.progress)}: this copy on {host} is disabled and starts only when forced.
          </span>
        </p>
      ) : null}
      {migration && moving ? (
        <p className="notice notice-warn" role="status">
          <span>Busy: {moving}, now {PHASE_WORDS[migration.progress.phase]}. Changes to {name} wait until it ends (see <a href={routeHref({ view: 'activity' })}>Activity</a>).</span>
        </p>
      ) : null}
      {hostDown ? (
        <FailureNotice failure={{ title: `${host} is ${hostStatus?.connection ?? 'gone'}`, message: hostStatus?.error ?? `vfleet has no connection to ${host}.`, hint: `What shows is ${name}'s last known state; actions come back when ${host} reconnects (see its page).` }} />
      ) : null}
      {guest.misconfigured ? <FailureNotice failure={{ title: `The configuration of ${name} cannot be read`, message: guest.misconfigured, hint: `Fix the named file in /etc/vservers/${name}/ on ${host}; the guest shows again once it reads.` }} /> : null}
      {failures.map((failure, index) => <FailureNotice key={index} failure={failure} onDismiss={() => setFailures((list) => list.filter((_, other) => other !== index))} />)}
      <div className="columns">
        <Section title="State">
          <dl className="facts">
            <div><dt>State</dt><dd>{guest.state}{running && guest.initPid ? `, init pid ${guest.initPid} on the host` : ''}</dd></div>
            <div><dt>Uptime</dt><dd className="mono">{running ? formatUptime(guest.startedAt, now) : '–'}{running && guest.startedAt ? ` (since ${formatDateTime(guest.startedAt)})` : ''}</dd></div>
            <div><dt>Processes</dt><dd>{running ? guest.processes : '–'}</dd></div>
            <div><dt>CPU</dt><dd>{running ? `${formatPercent(guest.cpu, 2)} of ${host}` : '–'}</dd></div>
            <div><dt>Memory (RSS)</dt><dd>{running && guest.memoryBytes !== undefined ? formatBytes(guest.memoryBytes) : '–'}</dd></div>
          </dl>
        </Section>
        <Section title="Configuration">
          {config ? (
            <dl className="facts">
              <div><dt>Context</dt><dd className="mono">{config.xid}</dd></div>
              <div><dt>Hostname</dt><dd className="mono">{config.nodename}{config.domainname ? `.${config.domainname}` : ''}</dd></div>
              <div><dt>Addresses</dt><dd className="mono">{config.interfaces.map((entry) => `${entry.ip}/${entry.prefix}${entry.dev ? ` on ${entry.dev}` : ''}`).join(', ') || 'none'}</dd></div>
              <div><dt>Init style</dt><dd>{config.initStyle}</dd></div>
              <div><dt>Mark</dt><dd>{config.mark || '–'}</dd></div>
              <div><dt>Context flags</dt><dd className="mono">{config.cflags.join(', ') || '–'}</dd></div>
              <div><dt>Root</dt><dd className="mono">{config.rootDir}</dd></div>
            </dl>
          ) : (
            <EmptyState title="Configuration not read">The agent reports it with the guest list once {host} is connected.</EmptyState>
          )}
        </Section>
      </div>
      <Section title="Replicas" wide><ReplicaPanel host={host} guest={name} hostDown={hostDown} /></Section>
      {!hostDown ? (
        <>
          <Section title="Limits" wide><fieldset disabled={moving !== undefined}><LimitsEditor host={host} guest={name} /></fieldset></Section>
          <div className="columns">
            <Section title="Capabilities"><fieldset disabled={moving !== undefined}><CapabilitiesPanel host={host} guest={name} /></fieldset></Section>
            <Section title="Processes"><ProcessesPanel host={host} guest={name} running={running} /></Section>
          </div>
          <Section title="Terminal" wide><GuestTerminal host={host} guest={name} running={running} /></Section>
        </>
      ) : null}
      <Section title="Charts" wide>
        <GuestCharts name={name} live={series} history={history} memoryLimit={config?.limits.memoryHard} />
      </Section>
      {deleting ? <DeleteDialog host={host} guest={name} onClose={() => setDeleting(false)} /> : null}
    </div>
  );
}
