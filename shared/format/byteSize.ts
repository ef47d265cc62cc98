// Every byte count vfleet prints: for people (powers of 1024, one decimal below 100, whole numbers
// above) and as admins type sizes (256M). vserver-stat's own 7-column cell is shared/vserver/shortenMem.ts.

/** util-vserver's K/M/G/T: binary units. */
export const BINARY_FACTORS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

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

/** The largest binary suffix that keeps the value whole, e.g. 268435456 -> "256M": parseSize reads it back exactly. */
export function formatSize(bytes: number): string {
  for (const suffix of ['T', 'G', 'M', 'K']) {
    const factor = BINARY_FACTORS[suffix] ?? 1;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${suffix}`;
  }
  return String(bytes);
}
