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

/** Whose history it is: it decides which optional figures get columns. */
export type HealthSubject = 'host' | 'guest';

type Figure = 'processes' | 'load' | 'diskUsedBytes';
type FigureAggregate = 'processesMax' | 'loadAvg' | 'loadMax' | 'diskUsedAvg' | 'diskUsedMax';

interface OptionalFigure {
  figure: Figure;
  avg?: FigureAggregate;
  max: FigureAggregate;
}

/** A guest's processes, a host's load and guest-base disk: only its own figures take memory in a history. */
const FIGURES: Record<HealthSubject, readonly OptionalFigure[]> = {
  guest: [{ figure: 'processes', max: 'processesMax' }],
  host: [
    { figure: 'load', avg: 'loadAvg', max: 'loadMax' },
    { figure: 'diskUsedBytes', avg: 'diskUsedAvg', max: 'diskUsedMax' },
  ],
};

const SECOND = 1000;
const MINUTE = 60_000;
/** Minute rows a history has room for at first (an hour); the room doubles as minutes come, up to the limit. */
const MINUTES_FIRST_ALLOCATED = 60;

interface FigureAccumulator {
  sum: number;
  count: number;
  max: number;
}

interface MinuteAccumulator {
  minute: number;
  samples: number;
  cpuSum: number;
  cpuMax: number;
  memorySum: number;
  memoryMax: number;
  /** One per optional figure of the subject, in FIGURES' order. */
  figures: FigureAccumulator[];
}

/** A missing optional value (a sample without its load) is stored as NaN in the number columns. */
const ABSENT = Number.NaN;
type LiveColumn = 'time' | 'cpu' | 'memoryBytes' | Figure;
type MinuteColumn = 'minute' | 'samples' | 'cpuAvg' | 'cpuMax' | 'memoryAvg' | 'memoryMax' | FigureAggregate;

export class HealthHistoryBuffer {
  private readonly figures: readonly OptionalFigure[];
  /** The figures' aggregates this history has columns for. */
  private readonly aggregates: readonly FigureAggregate[];
  private readonly live: ColumnRing<LiveColumn>;
  private readonly minutes: ColumnRing<MinuteColumn>;
  private current: MinuteAccumulator | undefined;

  constructor(subject: HealthSubject, limits: HealthHistoryLimits = DEFAULT_HISTORY_LIMITS) {
    this.figures = FIGURES[subject];
    this.aggregates = this.figures.flatMap((entry) => (entry.avg ? [entry.avg, entry.max] : [entry.max]));
    // Times and bytes exact, CPU, load and counts as Float32 (ringBuffer.ts): a day of a guest's history in about 80 KB, not 110 KB.
    // The live window is full within minutes, so it is allocated whole; the day's minutes take room an
    // hour at a time as they come (58 of those 80 KB a guest only once the day is full).
    this.live = new ColumnRing<LiveColumn>(limits.liveSeconds, ['time', 'cpu', 'memoryBytes', ...this.figures.map((entry) => entry.figure)], ['time', 'memoryBytes', 'diskUsedBytes']);
    this.minutes = new ColumnRing<MinuteColumn>(
      limits.minutes, ['minute', 'samples', 'cpuAvg', 'cpuMax', 'memoryAvg', 'memoryMax', ...this.aggregates], ['minute', 'memoryAvg', 'memoryMax', 'diskUsedAvg', 'diskUsedMax'],
      MINUTES_FIRST_ALLOCATED,
    );
  }

  record(point: HealthPoint): void {
    const previousTime = this.live.last('time');
    if (previousTime !== undefined && point.time < previousTime) return;
    const row = { time: point.time, cpu: point.cpu, memoryBytes: point.memoryBytes } as Record<LiveColumn, number>;
    for (const { figure } of this.figures) row[figure] = point[figure] ?? ABSENT;
    if (previousTime !== undefined && Math.floor(previousTime / SECOND) === Math.floor(point.time / SECOND)) this.live.replaceLast(row);
    else this.live.push(row);
    this.accumulate(point);
  }

  snapshot(): HealthHistory {
    const minutes = this.minutes.map((value) => {
      const aggregate: MinuteAggregate = {
        minute: value('minute'), samples: value('samples'), cpuAvg: value('cpuAvg'), cpuMax: value('cpuMax'), memoryAvg: value('memoryAvg'), memoryMax: value('memoryMax'),
      };
      for (const column of this.aggregates) {
        const stored = value(column);
        if (!Number.isNaN(stored)) aggregate[column] = stored;
      }
      return aggregate;
    });
    if (this.current) minutes.push(this.finish(this.current));
    const live = this.live.map((value) => {
      const point: HealthPoint = { time: value('time'), cpu: value('cpu'), memoryBytes: value('memoryBytes') };
      for (const { figure } of this.figures) {
        const stored = value(figure);
        if (!Number.isNaN(stored)) point[figure] = stored;
      }
      return point;
    });
    return { live, minutes };
  }

  private accumulate(point: HealthPoint): void {
    const minute = Math.floor(point.time / MINUTE) * MINUTE;
    if (this.current && this.current.minute !== minute) {
      const done = this.finish(this.current);
      const row = { ...done } as Record<MinuteColumn, number>;
      for (const column of this.aggregates) row[column] = done[column] ?? ABSENT;
      this.minutes.push(row);
      this.current = undefined;
    }
    if (!this.current) {
      this.current = { minute, samples: 0, cpuSum: 0, cpuMax: 0, memorySum: 0, memoryMax: 0, figures: this.figures.map(() => ({ sum: 0, count: 0, max: 0 })) };
    }
    const acc = this.current;
    acc.samples += 1;
    acc.cpuSum += point.cpu;
    acc.cpuMax = Math.max(acc.cpuMax, point.cpu);
    acc.memorySum += point.memoryBytes;
    acc.memoryMax = Math.max(acc.memoryMax, point.memoryBytes);
    this.figures.forEach(({ figure }, index) => {
      const value = point[figure];
      const figureAcc = acc.figures[index];
      if (value === undefined || !figureAcc) return;
      figureAcc.sum += value;
      figureAcc.count += 1;
      figureAcc.max = Math.max(figureAcc.max, value);
    });
  }

  /** A figure absent from every sample of the minute has no aggregate; its average is over the samples that had it. */
  private finish(acc: MinuteAccumulator): MinuteAggregate {
    const aggregate: MinuteAggregate = {
      minute: acc.minute,
      samples: acc.samples,
      cpuAvg: acc.cpuSum / acc.samples,
      cpuMax: acc.cpuMax,
      memoryAvg: acc.memorySum / acc.samples,
      memoryMax: acc.memoryMax,
    };
    this.figures.forEach(({ avg, max }, index) => {
      const figureAcc = acc.figures[index];
      if (!figureAcc || figureAcc.count === 0) return;
      if (avg) aggregate[avg] = figureAcc.sum / figureAcc.count;
      aggregate[max] = figureAcc.max;
    });
    return aggregate;
  }
}
