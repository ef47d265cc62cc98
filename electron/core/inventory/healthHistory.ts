// Bounded health history of one host or guest: the last 1-second samples for the live charts and
// one aggregate per minute for the day view.
import type { HealthHistory, HealthPoint, MinuteAggregate } from '../../../shared/api/health';
import { ColumnRing } from './ringBuffer';

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

/** A missing optional value (processes of a host) is stored as NaN in the number columns. */
const ABSENT = Number.NaN;
const LIVE_COLUMNS = ['time', 'cpu', 'memoryBytes', 'processes'] as const;
const MINUTE_COLUMNS = ['minute', 'samples', 'cpuAvg', 'cpuMax', 'memoryAvg', 'memoryMax', 'processesMax'] as const;

export class HealthHistoryBuffer {
  private readonly live: ColumnRing<(typeof LIVE_COLUMNS)[number]>;
  private readonly minutes: ColumnRing<(typeof MINUTE_COLUMNS)[number]>;
  private current: MinuteAccumulator | undefined;

  constructor(limits: HealthHistoryLimits = DEFAULT_HISTORY_LIMITS) {
    this.live = new ColumnRing(limits.liveSeconds, LIVE_COLUMNS);
    this.minutes = new ColumnRing(limits.minutes, MINUTE_COLUMNS);
  }

  record(point: HealthPoint): void {
    const previousTime = this.live.last('time');
    if (previousTime !== undefined && point.time < previousTime) return;
    const row = { time: point.time, cpu: point.cpu, memoryBytes: point.memoryBytes, processes: point.processes ?? ABSENT };
    if (previousTime !== undefined && Math.floor(previousTime / SECOND) === Math.floor(point.time / SECOND)) this.live.replaceLast(row);
    else this.live.push(row);
    this.accumulate(point);
  }

  snapshot(): HealthHistory {
    const minutes = this.minutes.map((value) => withOptional(
      { minute: value('minute'), samples: value('samples'), cpuAvg: value('cpuAvg'), cpuMax: value('cpuMax'), memoryAvg: value('memoryAvg'), memoryMax: value('memoryMax') },
      'processesMax', value('processesMax'),
    ));
    if (this.current) minutes.push(finish(this.current));
    const live = this.live.map((value) => withOptional({ time: value('time'), cpu: value('cpu'), memoryBytes: value('memoryBytes') }, 'processes', value('processes')));
    return { live, minutes };
  }

  private accumulate(point: HealthPoint): void {
    const minute = Math.floor(point.time / MINUTE) * MINUTE;
    if (this.current && this.current.minute !== minute) {
      const done = finish(this.current);
      this.minutes.push({ ...done, processesMax: done.processesMax ?? ABSENT });
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

function withOptional<T extends object, K extends string>(row: T, key: K, value: number): T & Partial<Record<K, number>> {
  return Number.isNaN(value) ? row : { ...row, [key]: value };
}
