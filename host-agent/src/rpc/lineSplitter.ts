// Splits a byte stream into lines without ever holding more than MAX_LINE_BYTES of one line: a
// longer line is reported once and its bytes are dropped until its newline.
export interface LineSink {
  line(text: string): void;
  oversized(bytesSeen: number): void;
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private length = 0;
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly sink: LineSink,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      this.take(chunk.subarray(start, end));
      if (newline === -1) return;
      this.finishLine();
      start = newline + 1;
    }
  }

  /** End of input: a last line without newline still counts. */
  end(): void {
    if (this.length > 0 || this.discarding) this.finishLine();
  }

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    this.length += piece.length;
    if (this.discarding) return;
    if (this.length > this.maxBytes) {
      this.discarding = true;
      this.parts = [];
      this.sink.oversized(this.length);
      return;
    }
    this.parts.push(piece);
  }

  private finishLine(): void {
    if (!this.discarding) this.sink.line(Buffer.concat(this.parts).toString('utf8'));
    this.parts = [];
    this.length = 0;
    this.discarding = false;
  }
}
