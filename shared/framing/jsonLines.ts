// The JSON-lines framing of the agent protocol, used by both ends: splits a byte stream into
// lines without decoding partial UTF-8 sequences, and refuses lines longer than the protocol
// allows instead of buffering without bound (their bytes are dropped until their newline).
import { MAX_LINE_BYTES } from '../protocol/envelope';

/** Bytes kept of an oversized line's start, enough for the `{"id":N` of a response. */
const OVERSIZE_HEAD_BYTES = 64;

/** The UTF-8 decoder both Node and browsers provide as a global; shared/ has no Node or DOM types. */
interface Utf8Decoder { decode(bytes: Uint8Array): string }
const utf8 = new (globalThis as unknown as { TextDecoder: new (label: string) => Utf8Decoder }).TextDecoder('utf-8');

export interface LineSplitter {
  push(chunk: Uint8Array): void;
  /** End of input: a last line without a newline still counts. */
  end(): void;
  /** Bytes held for an unfinished line. */
  readonly pending: number;
}

function concat(parts: readonly Uint8Array[], limit = Infinity): Uint8Array {
  const total = Math.min(limit, parts.reduce((sum, part) => sum + part.length, 0));
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    if (offset >= total) break;
    const piece = part.subarray(0, total - offset);
    joined.set(piece, offset);
    offset += piece.length;
  }
  return joined;
}

/**
 * Calls `onLine` for every non-blank line (a trailing "\r" removed), and `onOversize` once a line
 * over `maxLineBytes` has ended, with its whole size and its first bytes (decoded).
 */
export function createLineSplitter(
  onLine: (line: string) => void,
  onOversize: (bytes: number, head: string) => void,
  maxLineBytes: number = MAX_LINE_BYTES,
): LineSplitter {
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  let discard: { head: Uint8Array; bytes: number } | undefined;

  const emit = (bytes: Uint8Array): void => {
    const line = utf8.decode(bytes).replace(/\r$/, '');
    if (line.trim() !== '') onLine(line);
  };
  const finishLine = (piece: Uint8Array): void => {
    if (discard) onOversize(discard.bytes + piece.length, utf8.decode(discard.head));
    else if (heldBytes + piece.length > maxLineBytes) onOversize(heldBytes + piece.length, utf8.decode(concat([...held, piece], OVERSIZE_HEAD_BYTES)));
    else emit(concat([...held, piece]));
    discard = undefined;
    held = [];
    heldBytes = 0;
  };

  return {
    get pending() { return heldBytes; },
    push(chunk: Uint8Array): void {
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(0x0a, start);
        if (newline < 0) break;
        finishLine(chunk.subarray(start, newline));
        start = newline + 1;
      }
      const rest = chunk.subarray(start);
      if (rest.length === 0) return;
      if (discard) {
        discard.bytes += rest.length;
        return;
      }
      if (heldBytes + rest.length > maxLineBytes) {
        discard = { head: concat([...held, rest], OVERSIZE_HEAD_BYTES), bytes: heldBytes + rest.length };
        held = [];
        heldBytes = 0;
        return;
      }
      // A copy: the caller may reuse the chunk's memory.
      held.push(rest.slice());
      heldBytes += rest.length;
    },
    end(): void {
      if (heldBytes > 0 || discard) finishLine(new Uint8Array(0));
    },
  };
}

export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
