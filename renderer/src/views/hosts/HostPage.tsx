// A host's page: connection (state, address, key trust, the failure and what to do), the agent
// (version, deploy, last error), the host's facts, its guests, and its charts; "Evacuate host…"
// migrates its guests elsewhere.
import { useState } from 'react';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { routeHref } from '../../app/routes';
import { useHost, useHostGuests, useHostSeries } from '../../store/useFleet';
import { useHistory } from '../../store/useHistory';
import { formatAgo, formatBytes, formatDateTime, formatLoad, formatPercent } from '../../widgets/format';
import { Meter } from '../../widgets/Meter';
import { EmptyState, FailureNotice } from '../../widgets/Notice';
import { ConnectionBadge, GuestStateBadge } from '../../widgets/StateBadge';
import { useNow } from '../../widgets/useNow';
import { HostCharts } from './HostCharts';
import { ColumnHeads } from '../../widgets/ColumnHeads';
import { HostActions } from '../onboarding/HostActions';
import { HostKeyNotice } from '../onboarding/HostKeyNotice';
import { openOnboardingDialog } from '../onboarding/OnboardingDialogs';
import { GuestMigrationBadge } from '../migration/migrationFacts';

function Facts({ rows, label }: { rows: Array<[string, React.ReactNode]>; label: string }) {
  return (
    <dl className="facts" aria-label={label}>
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function HostPage({ host: name }: { host: string }) {
  const services = useServices();
  const host = useHost(name);
  const guests = useHostGuests(name);
  const series = useHostSeries(name);
  const { history, failure: historyFailure } = useHistory(name);
  const now = useNow(1_000);
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);

  if (!host) {
    return (
      <div className="page">
        <h1>{name}</h1>
        <EmptyState title={`There is no host named ${name} in the fleet`}>
          It may have been removed. Go back to the <a href={routeHref({ view: 'overview' })}>fleet overview</a>, or open the command palette (Ctrl+K) to find a host.
        </EmptyState>
      </div>
    );
  }

  const act = async (what: string, call: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    setFailure(undefined);
    const operation = services.operations.start(`${what} ${name}`);
    try {
      await call();
      operation.succeed();
    } catch (error) {
      operation.fail(error);
      setFailure(describeFailure(`${what.toLowerCase()} ${name}`, error));
    }
    setBusy(false);
  };
  const connected = host.connection === 'connected';
  const health = host.health;
  const info = host.info;
  const down = !connected;
  return (
    <div className="page">
      <header className="page-header">
        <h1>{name}</h1>
        <ConnectionBadge state={host.connection} />
        <span className="muted">{host.user}@{host.address}:{host.port}</span>
        <span className="toolbar-gap" />
        <HostActions name={name} />
        <button type="button" disabled={!connected || guests.length === 0} title={guests.length === 0 ? `${name} has no guests` : undefined} onClick={() => openOnboardingDialog({ kind: 'evacuateHost', host: name })}>Evacuate host…</button>
        {connected ? (
          <button type="button" disabled={busy} onClick={() => void act('Disconnect', () => services.client.call('hosts.disconnect', { names: [name] }))}>Disconnect</button>
        ) : (
          <button type="button" disabled={busy} onClick={() => void act('Connect', () => services.client.call('hosts.connect', { names: [name] }))}>Connect</button>
        )}
      </header>
      {failure ? <FailureNotice failure={failure} onDismiss={() => setFailure(undefined)} /> : null}
      {host.error && !connected ? (
        <FailureNotice failure={{
          title: host.connection === 'pendingApproval' ? `${name} offers a host key that is not approved yet` : `${name} is ${host.connection}`,
          message: host.error,
          hint: host.connection === 'pendingApproval' || host.connection === 'blocked'
            ? 'Compare the fingerprint with the one on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) before approving it.'
            : host.nextAttemptAt ? `vfleet tries again ${host.nextAttemptAt > now ? `in ${Math.ceil((host.nextAttemptAt - now) / 1000)} s` : 'now'}; check the network path and sshd on the host.` : 'Check the network path and sshd on the host, then connect again.',
        }} />
      ) : null}
      {host.offeredFingerprint && (host.connection === 'pendingApproval' || host.connection === 'blocked') ? <HostKeyNotice name={name} fingerprint={host.offeredFingerprint} /> : null}
      {connected && host.agentError ? (
        <FailureNotice failure={{ title: `The agent on ${name} is not answering`, message: host.agentError, hint: 'vfleet retries by itself; if it persists, check the host (disk full, node missing) on its console.' }} />
      ) : null}
      <div className="columns">
        <section className="panel" aria-label="Host">
          <h2>Host</h2>
          {info ? (
            <Facts label={`Facts of ${name}`} rows={[
              ['Hostname', info.hostname],
              ['Kernel', <span className="mono">{info.kernel}</span>],
              ['Driver', `${info.driver}, cgroup v${info.cgroupVersion}`],
              ['CPUs', String(info.cpus)],
              ['CPU now', formatPercent(health?.cpu)],
              ['Memory', health ? <Meter label={`Memory of ${name}`} fraction={health.memoryUsed / health.memoryTotal} text={`${formatBytes(health.memoryUsed)} of ${formatBytes(health.memoryTotal)}`} /> : formatBytes(info.memoryTotal)],
              ['Load', (health?.load ?? info.load).map(formatLoad).join(' ')],
              ['Guest base', <span className="mono">{info.guestBase}</span>],
              ['Config base', <span className="mono">{info.configBase}</span>],
              ['Guest disk', health ? <Meter label={`Guest disk of ${name}`} fraction={(health.diskTotal - health.diskFree) / health.diskTotal} text={`${formatBytes(health.diskFree)} free of ${formatBytes(health.diskTotal)}`} /> : '–'],
              ['Node.js', info.nodeVersion],
            ]} />
          ) : (
            <EmptyState title="Not read yet">The host's facts show once vfleet has connected to it and its agent answered.</EmptyState>
          )}
        </section>
        <section className="panel" aria-label="Agent">
          <h2>Agent</h2>
          {host.agent ? (
            <Facts label={`Agent on ${name}`} rows={[
              ['Version', host.agent.version],
              ['Deploy', host.agent.uploaded ? 'uploaded on this connection' : 'already installed (same bundle hash)'],
              ['File', <span className="mono break">{host.agent.file}</span>],
              ['Driver', host.agent.driver],
              ['Features', host.agent.features.join(', ') || '–'],
              ['Last error', host.agentError ?? 'none'],
            ]} />
          ) : (
            <EmptyState title="No agent yet">vfleet deploys its agent when it connects to the host.</EmptyState>
          )}
        </section>
        <section className="panel" aria-label="Connection">
          <h2>Connection</h2>
          <Facts label={`Connection to ${name}`} rows={[
            ['State', <ConnectionBadge state={host.connection} />],
            ['Address', <span className="mono">{host.user}@{host.address}:{host.port}</span>],
            ['Host key', host.trust === 'trusted' ? 'trusted' : host.trust === 'pending' ? 'waiting for approval' : host.trust === 'blocked' ? 'changed — blocked' : 'never connected'],
            ['Tags', host.tags.join(', ') || '–'],
            ['Guest list synced', host.syncedAt ? `${formatAgo(host.syncedAt, now)} (${formatDateTime(host.syncedAt)})` : '–'],
            ['Last failure', host.error ?? 'none'],
            ...(host.nextAttemptAt && !connected ? [['Next attempt', formatDateTime(host.nextAttemptAt)] as [string, string]] : []),
          ]} />
        </section>
      </div>
      <section className="panel" aria-label={`Guests of ${name}`}>
        <h2>Guests <span className="muted">({guests.filter((guest) => guest.state === 'running').length} running of {guests.length})</span></h2>
        {down && guests.length > 0 ? <p className="muted">{name} is not connected: its guests show their last known state.</p> : null}
        {guests.length === 0 ? (
          <EmptyState title={`No guests on ${name}`}>Build one with <code>vfleet guest build {name} NAME --xid N</code>.</EmptyState>
        ) : (
          <table className="table table-dense">
            <ColumnHeads columns={['Name', 'State', { label: 'CTX', numeric: true }, { label: 'PROC', numeric: true }, { label: 'RSS', numeric: true }, { label: 'CPU', numeric: true }, 'IP']} />
            <tbody>
              {guests.map((guest) => (
                <tr key={guest.name} className={down ? 'row-down' : ''}>
                  <th scope="row"><a href={routeHref({ view: 'guest', host: name, guest: guest.name })}>{guest.name}</a></th>
                  <td><GuestStateBadge state={guest.state} hostDown={down} misconfigured={guest.misconfigured !== undefined} /> <GuestMigrationBadge host={name} guest={guest.name} /></td>
                  <td className="num mono">{guest.xid}</td>
                  <td className="num mono">{guest.state === 'running' ? guest.processes : '–'}</td>
                  <td className="num mono">{guest.state === 'running' && guest.memoryBytes !== undefined ? formatBytes(guest.memoryBytes) : '–'}</td>
                  <td className="num mono">{guest.state === 'running' ? formatPercent(guest.cpu) : '–'}</td>
                  <td className="mono">{guest.config?.interfaces.map((entry) => `${entry.ip}/${entry.prefix}`).join(', ') || '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel" aria-label={`Charts of ${name}`}>
        {historyFailure ? <FailureNotice failure={historyFailure} /> : null}
        <HostCharts name={name} live={series} history={history} memoryTotal={health?.memoryTotal} diskTotal={health?.diskTotal} />
      </section>
    </div>
  );
}
