// Byte counts for people: powers of 1024, one decimal below 100, whole numbers above.

const SUFFIXES = {
  /** Table cells: 1.4M, 512B. */
  short: ['B', 'K', 'M', 'G', 'T'],
  /** Sentences: 1.4 MiB, 512 B. */
  iec: [' B', ' KiB', ' MiB', ' GiB', ' TiB'],
} as const;

export function formatBytes(bytes: number, style: keyof typeof SUFFIXES = 'short'): string {
  const suffixes = SUFFIXES[style];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < suffixes.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? value.toFixed(0) : value.toFixed(1)}${suffixes[unit]}`;
}
