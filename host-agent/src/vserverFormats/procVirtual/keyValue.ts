// /proc/virtual files print one `Key:<tab>value` per line (Linux-VServer kernel/vserver/proc.c).

/** The key/value lines of a /proc/virtual file; values trimmed, later duplicates ignored. */
export function parseKeyValueLines(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    if (!values.has(key)) values.set(key, line.slice(colon + 1).trim());
  }
  return values;
}

/** A required decimal field; the error names the file so an admin can look at it. */
export function requireInteger(values: Map<string, string>, key: string, file: string): number {
  const text = values.get(key);
  const value = text === undefined ? Number.NaN : Number(text);
  if (!Number.isInteger(value)) throw new SyntaxError(`${file} has no whole-number '${key}:' line${text === undefined ? '' : ` (found '${text}')`}`);
  return value;
}

export function optionalInteger(values: Map<string, string>, key: string): number | undefined {
  const text = values.get(key);
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isInteger(value) ? value : undefined;
}

/** A hexadecimal bit field such as `Flags:` or the multi-word `BCaps:`. */
export function requireHex(values: Map<string, string>, key: string, file: string): bigint {
  const text = values.get(key)?.replace(/\s+/g, '');
  if (text === undefined || !/^[0-9a-fA-F]+$/.test(text)) throw new SyntaxError(`${file} has no hexadecimal '${key}:' line`);
  return BigInt(`0x${text}`);
}
