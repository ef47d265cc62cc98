// vserver-stat's VSZ/RSS cell: a byte count squeezed into 7 columns (util-vserver src/vserver-stat.c).

/** Unit suffixes in the order vserver-stat steps through them; ' ' means plain bytes. */
const MEM_SUFFIXES = [' ', 'K', 'M', 'G', 'T', '+'] as const;

/** The cell text without padding: 1 500 000 -> "1.4M", 1000 -> "0.9K", 512 -> "512 ". */
export function shortenMem(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`memory size must be a whole number of bytes, got ${bytes}`);
  let value = bytes;
  let tenths = 0;
  let suffix: string = '+';
  for (const candidate of MEM_SUFFIXES) {
    if (value < 1000) {
      suffix = candidate;
      break;
    }
    // One decimal digit of the last division only, as the C code keeps it.
    tenths = Math.floor((10 * (value % 1024)) / 1024);
    value = Math.floor(value / 1024);
  }
  if (value > 9999) value = 9999;
  if (value >= 1000) tenths = 0;
  return `${value}${tenths !== 0 ? `.${tenths}` : ''}${suffix}`;
}

/**
 * The smallest byte count that vserver-stat prints as `text` (the format is lossy), so that
 * shortenMem(expandShortMem(t)) === t for every text vserver-stat can print.
 */
export function expandShortMem(text: string): number {
  const match = /^(\d+)(?:\.(\d))?([ KMGT+])$/.exec(text);
  if (!match) throw new SyntaxError(`'${text}' is not a vserver-stat memory figure (like 1.4M or 512)`);
  const whole = Number(match[1]);
  const tenths = match[2] === undefined ? 0 : Number(match[2]);
  const steps = MEM_SUFFIXES.indexOf(match[3] as (typeof MEM_SUFFIXES)[number]);
  if (steps === 0) {
    if (tenths !== 0 || whole >= 1000) throw new SyntaxError(`'${text}' is not a vserver-stat memory figure: bytes have no decimals and stay below 1000`);
    return whole;
  }
  // Before the last division the value was whole*1024+rest with rest giving the tenths digit, and at least 1000.
  const restForTenths = Math.ceil((tenths * 1024) / 10);
  const rest = Math.max(restForTenths, 1000 - whole * 1024);
  const beforeLast = whole * 1024 + rest;
  if (rest > 1023 || Math.floor((10 * rest) / 1024) !== tenths) {
    throw new SyntaxError(`'${text}' cannot be printed by vserver-stat`);
  }
  const bytes = beforeLast * 1024 ** (steps - 1);
  if (shortenMem(bytes) !== text) throw new SyntaxError(`'${text}' cannot be printed by vserver-stat`);
  return bytes;
}
