// Which alerts become desktop notifications and which page each opens: the core's real alert
// rules raise and clear the alerts, their deltas go through the notifier as the main process's
// feed does.
import { describe, expect, it } from 'vitest';
import { AlertRules } from '../../electron/core/inventory/alertRules';
import { AlertNotifier, type AlertNotice } from '../../electron/shell/alertNotifications';
import type { FleetDelta, GuestView } from '../../shared/api/fleetState';

function fleet() {
  const notifier = new AlertNotifier();
  const notices: AlertNotice[] = [];
  const feed = (delta: FleetDelta): void => {
    const notice = notifier.notice(delta);
    if (notice) notices.push(notice);
  };
  let now = 1_000_000;
  const rules = new AlertRules({
    now: () => now,
    thresholds: { limitQuietMs: 60_000, diskFreeFraction: 0.1, unreachableGraceMs: 0 },
    onRaise: (alert) => feed({ type: 'alert', alert }),
    onClear: (id) => feed({ type: 'alertCleared', id }),
  });
  return { rules, notices, feed, later: (ms: number) => { now += ms; } };
}

const guest = (name: string, counters: Partial<GuestView> = {}): GuestView => ({ host: 'lab-1', name, xid: 101, state: 'running', processes: 1, ...counters });

describe('alert notifications', () => {
  it('an unreachable host notifies once and opens its host page', () => {
    const { rules, notices } = fleet();
    const unreachable = { state: 'unreachable' as const, error: 'Host lab-2 (10.213.145.2:22): connection timed out' };
    rules.connectionChanged('lab-2', unreachable, () => unreachable);
    rules.connectionChanged('lab-2', unreachable, () => unreachable);
    expect(notices).toEqual([{ title: 'lab-2 is unreachable', body: 'Host lab-2 (10.213.145.2:22): connection timed out', route: '#/hosts/lab-2' }]);
  });

  it('a guest that stopped unexpectedly opens its guest page; a stop the core asked for does not notify', () => {
    const { rules, notices } = fleet();
    rules.guestStateChanged('lab-1', 'web1', 'running', 'stopped');
    const release = rules.expectStop('lab-1', 'web2', 10_000);
    rules.guestStateChanged('lab-1', 'web2', 'running', 'stopped');
    release();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ title: 'web1 on lab-1 stopped unexpectedly', route: '#/guests/lab-1/web1' });
    expect(notices[0]?.body).toMatch(/^Host lab-1, guest web1: stopped without vfleet asking/);
  });

  it('a memory or process limit hit notifies once while the alert stays open, though its count grows', () => {
    const { rules, notices } = fleet();
    rules.guestSampled('lab-1', guest('web1', { memoryHits: 0 }), guest('web1', { memoryHits: 3 }));
    rules.guestSampled('lab-1', guest('web1', { memoryHits: 3 }), guest('web1', { memoryHits: 9 }));
    rules.guestSampled('lab-1', guest('db', { processesHits: 0 }), guest('db', { processesHits: 2 }));
    expect(notices.map(({ title, route }) => ({ title, route }))).toEqual([
      { title: 'web1 on lab-1 hit its memory limit', route: '#/guests/lab-1/web1' },
      { title: 'db on lab-1 hit its process limit', route: '#/guests/lab-1/db' },
    ]);
    expect(notices[0]?.body).toBe('Host lab-1, guest web1: hit its memory limit (3 times, 0 processes killed)');
  });

  it('a cleared alert notifies again when its condition comes back', () => {
    const { rules, notices, later } = fleet();
    rules.guestSampled('lab-1', guest('web1', { memoryHits: 0 }), guest('web1', { memoryHits: 1 }));
    later(61_000);
    rules.guestSampled('lab-1', guest('web1', { memoryHits: 1 }), guest('web1', { memoryHits: 1 }));
    rules.guestSampled('lab-1', guest('web1', { memoryHits: 1 }), guest('web1', { memoryHits: 2 }));
    expect(notices).toHaveLength(2);
  });

  it('low guest disk space opens the host page', () => {
    const { rules, notices } = fleet();
    rules.diskSampled('lab-3', 5 * 2 ** 30, 100 * 2 ** 30);
    expect(notices).toEqual([{ title: 'lab-3 is low on guest disk space', body: 'Host lab-3: the guest base has only 5.0% free (5.0 GiB of 100 GiB)', route: '#/hosts/lab-3' }]);
  });

  it('names with characters a route escapes stay one path segment', () => {
    const { feed, notices } = fleet();
    feed({ type: 'alert', alert: { id: 'diskLow:db/eu#1', kind: 'diskLow', host: 'db/eu#1', severity: 'warning', message: 'm', since: 1 } });
    expect(notices[0]?.route).toBe('#/hosts/db%2Feu%231');
  });

  it('other deltas notify nothing', () => {
    const { feed, notices } = fleet();
    feed({ type: 'guest', guest: guest('web1') });
    feed({ type: 'alertCleared', id: 'diskLow:lab-1' });
    expect(notices).toEqual([]);
  });
});
