// A deterministic PRNG (mulberry32) so a failing fuzz run can be replayed from its seed.
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let value = this.state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  }

  integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  bytes(length: number, exclude: number[] = []): Buffer {
    const buffer = Buffer.alloc(length);
    for (let index = 0; index < length; index += 1) {
      let byte = this.integer(0, 255);
      while (exclude.includes(byte)) byte = this.integer(0, 255);
      buffer[index] = byte;
    }
    return buffer;
  }
}
