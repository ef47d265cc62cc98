// Splits a byte stream into JSON lines without decoding partial UTF-8 sequences, and refuses
// lines longer than the protocol allows instead of buffering without bound.
import { MAX_LINE_BYTES } from '../../../shared/protocol/envelope';

export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Bytes held for an unfinished line. */
  readonly pending: number;
}

export function createLineSplitter(
  onLine: (line: string) => void,
  onOversize: (bytes: number) => void,
  maxLineBytes: number = MAX_LINE_BYTES,
): LineSplitter {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let discarding = false;

  const emit = (bytes: Buffer): void => {
    const line = bytes.toString('utf8').replace(/\r$/, '');
    if (line.trim() !== '') onLine(line);
  };

  return {
    get pending() { return heldBytes; },
    push(chunk: Buffer): void {
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(0x0a, start);
        if (newline < 0) break;
        const piece = chunk.subarray(start, newline);
        if (discarding) {
          discarding = false;
        } else if (heldBytes + piece.length > maxLineBytes) {
          onOversize(heldBytes + piece.length);
        } else {
          emit(held.length === 0 ? piece : Buffer.concat([...held, piece]));
        }
        held = [];
        heldBytes = 0;
        start = newline + 1;
      }
      const rest = chunk.subarray(start);
      if (rest.length === 0 || discarding) return;
      if (heldBytes + rest.length > maxLineBytes) {
        onOversize(heldBytes + rest.length);
        held = [];
        heldBytes = 0;
        discarding = true;
        return;
      }
      held.push(Buffer.from(rest));
      heldBytes += rest.length;
    },
  };
}

export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
