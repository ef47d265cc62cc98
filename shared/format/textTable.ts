// Plain text tables for the terminal, the one layout of every command line's tables:
// left-aligned columns separated by two spaces, no trailing blanks.
import { formatBytes } from './byteSize';

export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].map((text) => `${text}\n`).join('');
}

/** A table cell for a byte count, '-' when unknown. */
export function bytesCell(bytes: number | undefined): string {
  return bytes === undefined ? '-' : formatBytes(bytes);
}

export function percentCell(fraction: number | undefined): string {
  return fraction === undefined ? '-' : `${(fraction * 100).toFixed(1)}%`;
}
