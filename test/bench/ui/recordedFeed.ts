// A fleet feed recorded from a real fleet core on a lab (its snapshot, the deltas of a few seconds
// of 1 Hz health, and its answers to the calls the guests view makes), scaled to a larger fleet
// and replayed through the real bridge by a core-like source: the renderer benchmark's 1,000
// guests without 1,000 guests' agents on the machine's two cores. Scaling clones the recorded
// hosts and guests under new names (lab-1..lab-N, g1..gM); each scaled host replays its recorded
// host's samples once a second, at its own phase within the second as independent agents do, with
// the times of now, followed by its host status and the fleet summary, as the core emits them.
import type { BridgeCore } from '../../../electron/core/bridge/bridgeConnection';
import type { FleetCore } from '../../../electron/core/fleet';
import { summarizeFleet } from '../../../electron/core/inventory/fleetSummary';
import type { FleetApiMethod, FleetApiResult } from '../../../shared/api/fleetApi';
import type { FleetDelta, FleetSnapshot, GuestView, HostStatus, HostView } from '../../../shared/api/fleetState';

type HealthDelta = Extract<FleetDelta, { type: 'health' }>;

/** One host's sample as the core emitted it: the health delta and the host status after it. */
interface RecordedSample {
  health: HealthDelta;
  status: HostStatus;
}

export interface RecordedFeed {
  snapshot: FleetSnapshot;
  /** Per recorded host, its samples in order. */
  samples: Map<string, RecordedSample[]>;
  settings: FleetApiResult<'settings.get'>;
  stat: FleetApiResult<'fleet.stat'>;
  seconds: number;
}

/** Records `seconds` of the core's feed (after its snapshot) and its answers to settings.get and fleet.stat. */
export async function recordFeed(core: FleetCore, seconds: number): Promise<RecordedFeed> {
  const snapshot = core.snapshot();
  const samples = new Map<string, RecordedSample[]>();
  const open = new Map<string, HealthDelta>();
  const unsubscribe = core.subscribe((delta) => {
    if (delta.type === 'health') open.set(delta.host, delta);
    if (delta.type !== 'host') return;
    const health = open.get(delta.host.name);
    if (!health) return;
    open.delete(delta.host.name);
    let list = samples.get(delta.host.name);
    if (!list) samples.set(delta.host.name, (list = []));
    list.push({ health, status: delta.host });
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  } finally {
    unsubscribe();
  }
  for (const host of snapshot.hosts) {
    const count = samples.get(host.name)?.filter((sample) => sample.health.guests.length > 0).length ?? 0;
    if (count === 0) throw new Error(`Host ${host.name}: no health sample with guests recorded in ${seconds} s`);
  }
  return { snapshot, samples, settings: await core.invoke('settings.get', {}), stat: await core.invoke('fleet.stat', {}), seconds };
}

const scaledHostName = (index: number): string => `lab-${index + 1}`;
const scaledGuestName = (index: number): string => `g${index + 1}`;
const FIRST_XID = 7001;

/** The recorded fleet's hosts cycled to `hosts` hosts of `guestsPerHost` guests each. */
interface ScaledHost {
  status: HostStatus;
  source: HostView;
  guests: GuestView[];
  /** Recorded guest of each scaled guest, by the scaled guest's name. */
  guestSources: Map<string, string>;
}

function cycled<T>(list: readonly T[], index: number): T {
  const item = list[index % list.length];
  if (item === undefined) throw new Error('the recording has an empty list where it needs an entry');
  return item;
}

function renameGuest(guest: GuestView, host: string, index: number): GuestView {
  const name = scaledGuestName(index);
  const xid = FIRST_XID + index;
  return { ...guest, host, name, xid, ...(guest.config ? { config: { ...guest.config, name, xid, nodename: name } } : {}) };
}

/**
 * The core-like source the bridge serves: `snapshot`, `subscribe` and the recorded calls, fed by
 * `start()` until `stop()`. Any other call or a terminal is refused, naming the recording.
 */
export class ReplayedFleet implements BridgeCore {
  private readonly hosts: ScaledHost[];
  private readonly listeners = new Set<(delta: FleetDelta) => void>();
  private readonly timers: NodeJS.Timeout[] = [];
  private ticks = 0;

  constructor(private readonly feed: RecordedFeed, hostCount: number, guestsPerHost: number) {
    const sources = feed.snapshot.hosts.filter((host) => host.guests.length > 0);
    if (sources.length === 0) throw new Error('the recording has no host with guests to scale');
    this.hosts = Array.from({ length: hostCount }, (_, hostIndex) => {
      const source = cycled(sources, hostIndex);
      const name = scaledHostName(hostIndex);
      const address = source.address.replace(/\.\d+$/, `.${hostIndex + 1}`);
      const guestSources = new Map<string, string>();
      const guests = Array.from({ length: guestsPerHost }, (_, guestIndex) => {
        const original = cycled(source.guests, guestIndex);
        guestSources.set(scaledGuestName(guestIndex), original.name);
        return renameGuest(original, name, guestIndex);
      });
      const { guests: _sourceGuests, ...status } = source;
      return { status: { ...status, name, address }, source, guests, guestSources };
    });
  }

  /** Guests in the scaled fleet. */
  get guestCount(): number {
    return this.hosts.reduce((sum, host) => sum + host.guests.length, 0);
  }

  /** Host samples sent so far. */
  get samplesSent(): number {
    return this.ticks;
  }

  private views(): HostView[] {
    return this.hosts.map((host) => ({ ...host.status, guests: host.guests }));
  }

  snapshot(): FleetSnapshot {
    return { hosts: this.views(), summary: summarizeFleet(this.views()), alerts: [] };
  }

  subscribe(listener: (delta: FleetDelta) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async invoke<M extends FleetApiMethod>(method: M, _params: unknown): Promise<FleetApiResult<M>> {
    if (method === 'settings.get') return this.feed.settings as FleetApiResult<M>;
    if (method === 'fleet.stat') return this.scaledStat() as FleetApiResult<M>;
    throw new Error(`${method} is not part of the recorded feed (it answers settings.get and fleet.stat only)`);
  }

  async openTerminal(): Promise<never> {
    throw new Error('a recorded feed has no terminals');
  }

  private scaledStat(): FleetApiResult<'fleet.stat'> {
    const rows = this.hosts.flatMap((host) => host.guests.flatMap((guest) => {
      const original = this.feed.stat.rows.find((row) => row.host === host.source.name && row.name === host.guestSources.get(guest.name));
      return original ? [{ ...original, host: host.status.name, name: guest.name, xid: guest.xid }] : [];
    }));
    return { rows, errors: [] };
  }

  /** Every host sends its next recorded sample once a second, host i at i/N of the second. */
  start(): void {
    this.hosts.forEach((host, index) => {
      const phase = Math.round((index * 1000) / this.hosts.length);
      let round = 0;
      const send = (): void => {
        this.sendSample(host, round);
        round += 1;
      };
      this.timers.push(setTimeout(() => {
        send();
        this.timers.push(setInterval(send, 1000));
      }, phase));
    });
  }

  stop(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
      clearInterval(timer);
    }
    this.timers.length = 0;
  }

  private sendSample(host: ScaledHost, round: number): void {
    const recorded = this.feed.samples.get(host.source.name)?.filter((sample) => sample.health.guests.length > 0) ?? [];
    const sample = cycled(recorded, round);
    const time = Date.now();
    const byName = new Map(sample.health.guests.map((entry) => [entry.name, entry.point]));
    const guests = host.guests.flatMap((guest) => {
      const point = byName.get(host.guestSources.get(guest.name) ?? '');
      return point ? [{ name: guest.name, point: { ...point, time } }] : [];
    });
    const points = new Map(guests.map((entry) => [entry.name, entry.point]));
    host.guests = host.guests.map((guest) => {
      const point = points.get(guest.name);
      return point ? { ...guest, cpu: point.cpu, memoryBytes: point.memoryBytes, processes: point.processes ?? guest.processes } : guest;
    });
    host.status = { ...host.status, ...(sample.status.health ? { health: { ...sample.status.health, time } } : {}) };
    this.ticks += 1;
    this.emit({ type: 'health', host: host.status.name, point: { ...sample.health.point, time }, guests });
    this.emit({ type: 'host', host: host.status });
    this.emit({ type: 'summary', summary: summarizeFleet(this.views()) });
  }

  private emit(delta: FleetDelta): void {
    for (const listener of this.listeners) listener(delta);
  }
}
