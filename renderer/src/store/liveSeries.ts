// A bounded live series of one host or guest: fixed numeric columns in a ring of typed arrays, so
// 1,000 guests at 1 Hz hold a flat amount of memory; points() builds objects only for the series a
// chart shows, once per new sample.

export type SeriesPoint<F extends string> = { time: number } & Record<F, number>;

export class LiveSeries<F extends string> {
  private readonly times: Float64Array;
  private readonly columns: Record<F, Float64Array>;
  private start = 0;
  private size = 0;
  private cached: SeriesPoint<F>[] | undefined;

  constructor(private readonly fields: readonly F[], readonly capacity: number) {
    this.times = new Float64Array(capacity);
    this.columns = Object.fromEntries(fields.map((field) => [field, new Float64Array(capacity)])) as Record<F, Float64Array>;
  }

  get length(): number {
    return this.size;
  }

  /** Time of the newest point, or undefined when empty. */
  get lastTime(): number | undefined {
    return this.size === 0 ? undefined : this.times[(this.start + this.size - 1) % this.capacity];
  }

  get firstTime(): number | undefined {
    return this.size === 0 ? undefined : this.times[this.start];
  }

  /** Appends a sample; one not newer than the last is ignored (a repeated delta after a reconnect). */
  push(time: number, values: Record<F, number>): boolean {
    const last = this.lastTime;
    if (last !== undefined && time <= last) return false;
    const slot = (this.start + this.size) % this.capacity;
    this.times[slot] = time;
    for (const field of this.fields) this.columns[field][slot] = values[field];
    if (this.size < this.capacity) this.size += 1;
    else this.start = (this.start + 1) % this.capacity;
    this.cached = undefined;
    return true;
  }

  /** Oldest first; the same array until the next push. */
  points(): SeriesPoint<F>[] {
    if (this.cached) return this.cached;
    const points: SeriesPoint<F>[] = [];
    for (let index = 0; index < this.size; index += 1) {
      const slot = (this.start + index) % this.capacity;
      const point = { time: this.times[slot] ?? 0 } as SeriesPoint<F>;
      for (const field of this.fields) (point as Record<F, number>)[field] = this.columns[field][slot] ?? 0;
      points.push(point);
    }
    this.cached = points;
    return points;
  }
}
