// Fixed-capacity history stored as columns of numbers: the oldest row is overwritten, so memory is
// allocated once and stays bounded however long the app runs (8 bytes a value, no object a row).

export class ColumnRing<Column extends string> {
  private readonly columns: Record<Column, Float64Array>;
  private readonly names: Column[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number, names: readonly Column[]) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`a ring buffer needs a positive capacity, got ${capacity}`);
    this.names = [...names];
    this.columns = Object.fromEntries(names.map((name) => [name, new Float64Array(capacity)])) as Record<Column, Float64Array>;
  }

  get size(): number {
    return this.count;
  }

  push(row: Record<Column, number>): void {
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
    return this.count === 0 ? undefined : this.columns[column][this.slot(this.count - 1)];
  }

  /** Every row, oldest first, turned into what the caller needs. */
  map<T>(read: (value: (column: Column) => number) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i += 1) {
      const slot = this.slot(i);
      out.push(read((column) => this.columns[column][slot] as number));
    }
    return out;
  }

  private slot(index: number): number {
    return (this.start + index) % this.capacity;
  }

  private write(slot: number, row: Record<Column, number>): void {
    for (const name of this.names) this.columns[name][slot] = row[name];
  }
}
