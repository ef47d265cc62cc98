// Bounded health history of one host or guest: the last 1-second samples for the live charts and
// one aggregate per minute for the day view.
import type { HealthHistory, HealthPoint, MinuteAggregate } from '../../../shared/api/health';
import { RingBuffer } from './ringBuffer';

export interface HealthHistoryLimits {
  /** Seconds kept at 1-second resolution. */
  liveSeconds: number;
  /** Minutes kept as aggregates. */
  minutes: number;
}

/** 16 minutes live (the issue asks for at least 15) and 24 hours of minutes. */
export const DEFAULT_HISTORY_LIMITS: HealthHistoryLimits = { liveSeconds: 16 * 60, minutes: 24 * 60 };

const SECOND = 1000;
const MINUTE = 60_000;

interface MinuteAccumulator {
  minute: number;
  samples: number;
  cpuSum: number;
  cpuMax: number;
  memorySum: number;
  memoryMax: number;
  processesMax?: number;
}

export class HealthHistoryBuffer {
  private readonly live: RingBuffer<HealthPoint>;
  private readonly minutes: RingBuffer<MinuteAggregate>;
  private current: MinuteAccumulator | undefined;

  constructor(limits: HealthHistoryLimits = DEFAULT_HISTORY_LIMITS) {
    this.live = new RingBuffer(limits.liveSeconds);
    this.minutes = new RingBuffer(limits.minutes);
  }

  record(point: HealthPoint): void {
    const previous = this.live.last();
    if (previous && point.time < previous.time) return;
    if (previous && Math.floor(previous.time / SECOND) === Math.floor(point.time / SECOND)) this.live.replaceLast(point);
    else this.live.push(point);
    this.accumulate(point);
  }

  snapshot(): HealthHistory {
    const minutes = this.minutes.toArray();
    if (this.current) minutes.push(finish(this.current));
    return { live: this.live.toArray(), minutes };
  }

  private accumulate(point: HealthPoint): void {
    const minute = Math.floor(point.time / MINUTE) * MINUTE;
    if (this.current && this.current.minute !== minute) {
      this.minutes.push(finish(this.current));
      this.current = undefined;
    }
    if (!this.current) {
      this.current = { minute, samples: 0, cpuSum: 0, cpuMax: 0, memorySum: 0, memoryMax: 0 };
    }
    const acc = this.current;
    acc.samples += 1;
    acc.cpuSum += point.cpu;
    acc.cpuMax = Math.max(acc.cpuMax, point.cpu);
    acc.memorySum += point.memoryBytes;
    acc.memoryMax = Math.max(acc.memoryMax, point.memoryBytes);
    if (point.processes !== undefined) acc.processesMax = Math.max(acc.processesMax ?? 0, point.processes);
  }
}

function finish(acc: MinuteAccumulator): MinuteAggregate {
  const aggregate: MinuteAggregate = {
    minute: acc.minute,
    samples: acc.samples,
    cpuAvg: acc.cpuSum / acc.samples,
    cpuMax: acc.cpuMax,
    memoryAvg: acc.memorySum / acc.samples,
    memoryMax: acc.memoryMax,
  };
  if (acc.processesMax !== undefined) aggregate.processesMax = acc.processesMax;
  return aggregate;
}
