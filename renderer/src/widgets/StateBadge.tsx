// A host's connection state or a guest's run state as a coloured label that reads the same to a
// screen reader (the word is the label; the colour only repeats it).
import type { ConnectionStateName } from '../../../shared/api/fleetState';

const CONNECTION_TONE: Record<ConnectionStateName, string> = {
  connected: 'ok',
  connecting: 'info',
  disconnected: 'muted',
  unreachable: 'bad',
  pendingApproval: 'warn',
  blocked: 'bad',
  failed: 'bad',
};

const CONNECTION_WORD: Record<ConnectionStateName, string> = {
  connected: 'connected',
  connecting: 'connecting',
  disconnected: 'disconnected',
  unreachable: 'unreachable',
  pendingApproval: 'key to approve',
  blocked: 'key changed',
  failed: 'failed',
};

export function ConnectionBadge({ state }: { state: ConnectionStateName }) {
  return <span className={`badge tone-${CONNECTION_TONE[state]}`}>{CONNECTION_WORD[state]}</span>;
}

export function GuestStateBadge({ state, hostDown, misconfigured }: { state: 'running' | 'stopped'; hostDown?: boolean; misconfigured?: boolean }) {
  if (misconfigured) return <span className="badge tone-bad">misconfigured</span>;
  if (hostDown) return <span className="badge tone-muted" title="The host is not connected: this is the last known state">{state} (last known)</span>;
  return <span className={`badge tone-${state === 'running' ? 'ok' : 'muted'}`}>{state}</span>;
}

export function SeverityBadge({ severity }: { severity: 'warning' | 'critical' }) {
  return <span className={`badge tone-${severity === 'critical' ? 'bad' : 'warn'}`}>{severity}</span>;
}
