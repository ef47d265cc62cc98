// Limit values as util-vserver reads them from rlimits/ files and vlimit arguments (lib/parselimit.c).

/** A limit: a count (pages for memory limits) or unlimited. */
export type RlimitValue = number | 'inf';

/** strtoll with base 0: "0x" hexadecimal, a leading "0" octal, otherwise decimal, optional sign. */
const NUMBER_PATTERN = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/;

const SUFFIX_FACTORS: Record<string, number> = { K: 1024, M: 1024 * 1024, k: 1000, m: 1000 * 1000 };

/**
 * Parses `inf`, a number with 0x/0 prefixes, and the suffixes K/M (x1024, x1024²) and k/m
 * (x1000, x1000²), allowing one trailing newline, exactly as vlimit accepts them. -1 is the
 * kernel's "unlimited" (all bits set) and reads as 'inf'.
 */
export function parseRlimitValue(text: string): RlimitValue {
  if (text.startsWith('inf')) return 'inf';
  const match = NUMBER_PATTERN.exec(text);
  if (!match) throw new SyntaxError(`'${text.trim()}' is not a limit: use a number (optionally with K, M, k or m) or inf`);
  const digits = match[2] ?? '';
  const magnitude = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.startsWith('0') ? parseInt(digits, 8) : parseInt(digits, 10);
  const signed = match[1] === '-' ? -magnitude : magnitude;
  let rest = text.slice(match[0].length);
  let value = signed;
  const factor = SUFFIX_FACTORS[rest.charAt(0)];
  if (factor !== undefined) {
    value *= factor;
    rest = rest.slice(1);
  }
  if (rest !== '' && rest !== '\n') throw new SyntaxError(`'${text.trim()}' is not a limit: unexpected '${rest.trim()}' after the number`);
  if (value === -1) return 'inf';
  if (value < 0) throw new RangeError(`'${text.trim()}' is not a limit: limits cannot be negative (use inf for unlimited)`);
  if (!Number.isSafeInteger(value)) throw new RangeError(`'${text.trim()}' is too large for a limit`);
  return value;
}

/** The text util-vserver writes for a limit: decimal or inf. */
export function formatRlimitValue(value: RlimitValue): string {
  return value === 'inf' ? 'inf' : String(value);
}
