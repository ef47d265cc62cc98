// Ansible host patterns with ranges: www[01:50].example.com, db-[a:f], node[0:10:2] (stride).
// Leading zeros set the width, as Ansible does.

const RANGE = /\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::(\d+))?\]/;

function rangeValues(start: string, end: string, strideText: string | undefined): string[] {
  const stride = strideText === undefined ? 1 : Number(strideText);
  if (!(stride >= 1)) throw new Error(`the range [${start}:${end}] has an invalid stride`);
  if (/^\d+$/.test(start) && /^\d+$/.test(end)) {
    const width = start.length > 1 && start.startsWith('0') ? start.length : 0;
    const values: string[] = [];
    for (let value = Number(start); value <= Number(end); value += stride) values.push(String(value).padStart(width, '0'));
    if (values.length === 0) throw new Error(`the range [${start}:${end}] is empty`);
    return values;
  }
  if (/^[a-zA-Z]$/.test(start) && /^[a-zA-Z]$/.test(end) && start <= end) {
    const values: string[] = [];
    for (let code = start.charCodeAt(0); code <= end.charCodeAt(0); code += stride) values.push(String.fromCharCode(code));
    return values;
  }
  throw new Error(`[${start}:${end}] is neither a numeric nor a letter range`);
}

export function expandHostPattern(pattern: string): string[] {
  const match = RANGE.exec(pattern);
  if (!match) return [pattern];
  const [whole, start = '', end = '', stride] = match;
  const before = pattern.slice(0, match.index);
  const after = pattern.slice(match.index + whole.length);
  return rangeValues(start, end, stride).flatMap((value) => expandHostPattern(`${before}${value}${after}`));
}
