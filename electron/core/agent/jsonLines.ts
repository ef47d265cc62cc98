// Splits a byte stream into JSON lines without decoding partial UTF-8 sequences, and refuses
// lines longer than the protocol allows instead of buffering without bound.
import { MAX_LINE_BYTES } from '../../../shared/protocol/envelope';

export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Bytes held for an unfinished line. */
  readonly pending: number;
}

/** Bytes kept of an oversized line's start, enough for the `{"id":N` of a response. */
const OVERSIZE_HEAD_BYTES = 64;

/** `onOversize` is called once a line over the limit has ended, with its whole size and its first bytes. */
export function createLineSplitter(
  onLine: (line: string) => void,
  onOversize: (bytes: number, head: Buffer) => void,
  maxLineBytes: number = MAX_LINE_BYTES,
): LineSplitter {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let discard: { head: Buffer; bytes: number } | undefined;

  const emit = (bytes: Buffer): void => {
    const line = bytes.toString('utf8').replace(/\r$/, '');
    if (line.trim() !== '') onLine(line);
  };
  const startOf = (piece: Buffer): Buffer => Buffer.concat([...held, piece.subarray(0, OVERSIZE_HEAD_BYTES)]).subarray(0, OVERSIZE_HEAD_BYTES);

  return {
    get pending() { return heldBytes; },
    push(chunk: Buffer): void {
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(0x0a, start);
        if (newline < 0) break;
        const piece = chunk.subarray(start, newline);
        if (discard) {
          onOversize(discard.bytes + piece.length, discard.head);
          discard = undefined;
        } else if (heldBytes + piece.length > maxLineBytes) {
          onOversize(heldBytes + piece.length, startOf(piece));
        } else {
          emit(held.length === 0 ? piece : Buffer.concat([...held, piece]));
        }
        held = [];
        heldBytes = 0;
        start = newline + 1;
      }
      const rest = chunk.subarray(start);
      if (rest.length === 0) return;
      if (discard) {
        discard.bytes += rest.length;
        return;
      }
      if (heldBytes + rest.length > maxLineBytes) {
        discard = { head: Buffer.from(startOf(rest)), bytes: heldBytes + rest.length };
        held = [];
        heldBytes = 0;
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
