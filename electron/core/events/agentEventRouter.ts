// Turns one host session's events (connection status, agent sync, pushed agent events, agent
// failures) into fleet state changes: the one place where what a host says reaches the fleet state.
import type { HostSession } from '../agent/hostSession';
import type { HostRegistry } from '../hosts/hostRegistry';
import type { FleetState } from '../inventory/fleetState';
import { hostFailureMessage } from '../ssh/sshErrors';

export function routeSessionEvents(session: HostSession, state: FleetState, registry: HostRegistry): void {
  const name = session.name;
  const { connection } = session;
  connection.on('status', (status) => {
    const host = registry.get(name);
    if (host) state.upsertHost(host);
    state.setConnection(name, status);
  });
  session.on('synced', (sync) => state.applySync(name, sync));
  session.on('setupRetrying', (error) => state.setAgentError(name, error.message));
  // A jump host that cannot run the agent stays connected for the hosts behind it; its agent error is shown on its own.
  session.on('setupFailed', (error) => { if (connection.status.state === 'connected') state.setAgentError(name, error.message); });
  session.on('agentProtocolError', (message) => state.setAgentError(name, message));
  session.on('agentEvent', (...event) => {
    // A guest this core has not seen yet (built by hand on the host): read the list again.
    if (event[0] === 'guestState' && !state.applyGuestEvent(name, event[1])) void session.refresh().catch(() => undefined);
    else if (event[0] === 'healthSample' && !state.applyHealthSample(name, event[1])) void session.refresh().catch(() => undefined);
    else if (event[0] === 'agentError') state.setAgentError(name, hostFailureMessage(name, { reason: `the agent's ${event[1].source} failed: ${event[1].message}` }));
  });
}
