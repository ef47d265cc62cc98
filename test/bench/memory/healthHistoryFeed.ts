// Feeds a FleetState simulated 1 Hz health samples for 20 hosts of 10 guests each, on a fake
// clock, through its own ingest API, and weighs the heap it retains after every simulated hour.
import type { Host } from '../../../shared/api/hosts';
import type { HostSample } from '../../../shared/domain/guest';
import { FleetState } from '../../../electron/core/inventory/fleetState';

export const HOSTS = 20;
export const GUESTS_PER_HOST = 10;

export interface HealthMemoryReport {
  hosts: number;
  guestsPerHost: number;
  samplesIngested: number;
  /** Index h: heap used after a full GC at the end of simulated hour h+1, minus the same before the state was made. */
  retainedBytesByHour: number[];
  /** History lengths of one guest at the end, to show the buffers are full, not skipped. */
  liveWindowLength: number;
  minuteAggregates: number;
  /** Wall-clock time of ingestion alone (garbage collections excluded). */
  ingestMs: number;
}

const START = Date.UTC(2026, 0, 1);
const SECOND = 1000;
const SECONDS_PER_HOUR = 3600;

/** JavaScript heap plus the memory behind ArrayBuffers (typed-array columns live outside the heap). */
function retainedAfterGc(): number {
  if (typeof global.gc !== 'function') throw new Error('the memory benchmark needs a collectable heap: run node with --expose-gc');
  global.gc();
  global.gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

const hostName = (index: number): string => `host-${index + 1}`;
const guestName = (index: number): string => `guest-${index + 1}`;

function registryEntry(name: string): Host {
  return { name, address: '192.0.2.1', port: 22, user: 'root', auth: { kind: 'agent' }, tags: [], sudo: false, trust: { state: 'trusted' } };
}

/** Deterministic, varying figures: a slow wave per host and guest, so aggregates have real work to do. */
function sampleAt(second: number, hostIndex: number): HostSample {
  const wave = (offset: number): number => 0.5 + 0.5 * Math.sin((second + offset) / 300);
  return {
    time: START + second * SECOND,
    cpuBusyFraction: wave(hostIndex),
    memoryTotal: 16e9,
    memoryAvailable: 8e9 * wave(hostIndex * 7),
    load: [wave(1), wave(2), wave(3)],
    diskTotal: 500e9,
    diskFree: 250e9,
    guests: Array.from({ length: GUESTS_PER_HOST }, (_, guestIndex) => ({
      name: guestName(guestIndex),
      xid: 100 + guestIndex,
      state: 'running' as const,
      cpuUsageUsec: second * 20_000 * (1 + guestIndex),
      rssBytes: Math.round(64e6 * wave(guestIndex * 13 + hostIndex)),
      processes: 3 + (guestIndex % 5),
      memoryHits: 0,
      processesHits: 0,
      oomKills: 0,
    })),
  };
}

export function feedHealthHistory(simulatedHours: number): HealthMemoryReport {
  const clock = { now: START };
  const baseline = retainedAfterGc();
  const state = new FleetState({ now: () => clock.now });
  for (let hostIndex = 0; hostIndex < HOSTS; hostIndex += 1) {
    const name = hostName(hostIndex);
    state.upsertHost(registryEntry(name));
    state.setConnection(name, { state: 'connected' });
    for (let guestIndex = 0; guestIndex < GUESTS_PER_HOST; guestIndex += 1) {
      state.applyGuestStatus(name, { name: guestName(guestIndex), xid: 100 + guestIndex, state: 'running', processes: 3 });
    }
  }
  const retainedBytesByHour: number[] = [];
  let samplesIngested = 0;
  let ingestMs = 0;
  for (let hour = 0; hour < simulatedHours; hour += 1) {
    const began = performance.now();
    for (let second = hour * SECONDS_PER_HOUR; second < (hour + 1) * SECONDS_PER_HOUR; second += 1) {
      clock.now = START + second * SECOND;
      for (let hostIndex = 0; hostIndex < HOSTS; hostIndex += 1) {
        state.applyHealthSample(hostName(hostIndex), sampleAt(second, hostIndex));
        samplesIngested += 1;
      }
    }
    ingestMs += performance.now() - began;
    retainedBytesByHour.push(retainedAfterGc() - baseline);
  }
  const history = state.history(hostName(0), guestName(0));
  if (!history) throw new Error(`the fleet state lost ${guestName(0)} of ${hostName(0)} while ingesting samples`);
  return {
    hosts: HOSTS,
    guestsPerHost: GUESTS_PER_HOST,
    samplesIngested,
    retainedBytesByHour,
    liveWindowLength: history.live.length,
    minuteAggregates: history.minutes.length,
    ingestMs,
  };
}
