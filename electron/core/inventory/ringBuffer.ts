// Fixed-capacity history stored as columns of numbers: the oldest row is overwritten, so memory
// stays bounded however long the app runs (no object a row). The columns are allocated at the
// capacity, or (`initialRows`) at that many rows and doubled as rows come until the capacity, so a
// day's window held by a core connected for ten minutes takes ten minutes' memory. A column is exact
// (8 bytes a value: times, byte counts) or a ratio-like figure (4 bytes a value: Float32, within one
// part in ten million: CPU shares, load, process counts), read back as the shortest decimal that is
// the same Float32, so 0.2 stays 0.2.

export class ColumnRing<Column extends string> {
  private columns: Record<Column, Float64Array | Float32Array>;
  private readonly names: Column[];
  private readonly exact: ReadonlySet<Column>;
  private start = 0;
  private count = 0;

  /** `exact` names the columns kept exactly (times, bytes); the others are Float32 figures. `initialRows`: allocated at first (default: the capacity). */
  constructor(readonly capacity: number, names: readonly Column[], exact: readonly Column[] = names, initialRows = capacity) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`a ring buffer needs a positive capacity, got ${capacity}`);
    if (!Number.isInteger(initialRows) || initialRows < 1) throw new Error(`a ring buffer starts with at least one row, got ${initialRows}`);
    this.names = [...names];
    this.exact = new Set(exact);
    this.columns = this.allocate(Math.min(capacity, initialRows));
  }

  /** Rows the columns have room for now (at most the capacity). */
  get allocatedRows(): number {
    return this.columns[this.names[0] as Column].length;
  }

  get size(): number {
    return this.count;
  }

  push(row: Record<Column, number>): void {
    if (this.count === this.allocatedRows && this.count < this.capacity) this.grow();
    if (this.count < this.capacity) this.count += 1;
    else this.start = (this.start + 1) % this.capacity;
    this.write(this.slot(this.count - 1), row);
  }

  /** Overwrites the newest row (a second sample within the same bucket). */
  replaceLast(row: Record<Column, number>): void {
    if (this.count === 0) this.push(row);
    else this.write(this.slot(this.count - 1), row);
  }

  /** A value of the newest row. */
  last(column: Column): number | undefined {
    return this.count === 0 ? undefined : this.read(column, this.slot(this.count - 1));
  }

  /** Every row, oldest first, turned into what the caller needs. */
  map<T>(read: (value: (column: Column) => number) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i += 1) {
      const slot = this.slot(i);
      out.push(read((column) => this.read(column, slot)));
    }
    return out;
  }

  private allocate(rows: number): Record<Column, Float64Array | Float32Array> {
    return Object.fromEntries(this.names.map((name) => [name, this.exact.has(name) ? new Float64Array(rows) : new Float32Array(rows)])) as Record<Column, Float64Array | Float32Array>;
  }

  /** Doubles the room (up to the capacity). Called only before the ring first fills: its rows are then 0..count-1, unwrapped. */
  private grow(): void {
    const next = this.allocate(Math.min(this.capacity, this.allocatedRows * 2));
    for (const name of this.names) next[name].set(this.columns[name].subarray(0, this.count));
    this.columns = next;
  }

  private read(column: Column, slot: number): number {
    const value = this.columns[column][slot] as number;
    return this.exact.has(column) ? value : shortestFloat32(value);
  }

  private slot(index: number): number {
    return (this.start + index) % this.capacity;
  }

  private write(slot: number, row: Record<Column, number>): void {
    for (const name of this.names) this.columns[name][slot] = row[name];
  }
}

/** The shortest decimal (at most 9 digits, Float32's limit) that rounds to this Float32. */
function shortestFloat32(value: number): number {
  if (Number.isInteger(value) || !Number.isFinite(value)) return value;
  for (let digits = 7; digits < 9; digits += 1) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return Number(value.toPrecision(9));
}
