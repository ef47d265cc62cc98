// util-vserver's list syntax for capabilities and flags (lib/listparser.hc) and the way
// vattribute --get prints a bit set (src/attribute-util.h).
import { type BitTable, bitsOfName } from './contextBits';

/** What a list asks for: `bits` to set within `mask`; bits in mask but not in bits are cleared. */
export interface BitChange {
  bits: bigint;
  mask: bigint;
}

const ALL_BITS = (1n << 64n) - 1n;
const NUMBER_PATTERN = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/;

function bitsOfWord(word: string, table: BitTable): bigint | undefined {
  const lower = word.toLowerCase();
  if (lower === 'all' || lower === 'any') return ALL_BITS;
  if (lower === 'none') return 0n;
  if (/^\^\d+$/.test(word)) {
    const index = Number(word.slice(1));
    return index < 64 ? 1n << BigInt(index) : undefined;
  }
  if (NUMBER_PATTERN.test(word)) {
    const value = /^0[xX]/.test(word) ? BigInt(word) : word.startsWith('0') ? BigInt(`0o${word.slice(1) || '0'}`) : BigInt(word);
    return value & ALL_BITS;
  }
  return bitsOfName(table, word);
}

/**
 * Adds one list (one config-file line or one --bcap/--ccap/--flag argument) to `change`:
 * comma-separated words, each a name (prefix optional, any case), a number, `^bit`, `all`/`any`
 * or `none`; a leading `!` or `~` removes instead of adds (two of them cancel out).
 */
export function applyBitList(change: BitChange, list: string, table: BitTable): BitChange {
  let { bits, mask } = change;
  for (const item of list.split(',')) {
    let word = item;
    let negate = false;
    while (word.startsWith('!') || word.startsWith('~')) {
      negate = !negate;
      word = word.slice(1);
    }
    const value = word === '' ? undefined : bitsOfWord(word, table);
    if (value === undefined) {
      throw new SyntaxError(word === '' ? `empty ${table.what} in '${list}'` : `unknown ${table.what} '${word}' in '${list}'`);
    }
    bits = negate ? bits & ~value : bits | value;
    mask |= value;
  }
  return { bits, mask };
}


/**
 * Names of a bit set as vattribute --get prints them: at each step a name matching all remaining
 * bits wins (so VIRT_UPTIME|SC_HELPER prints as `default`), else the lowest bit's name; bits
 * without a name print as `^N`.
 */
export function namesOfBits(value: bigint, table: BitTable): string[] {
  const names: string[] = [];
  let rest = value & ALL_BITS;
  while (rest !== 0n) {
    const whole = table.names.find(([, bits]) => bits === rest);
    const lowest = rest & -rest;
    const named = whole ?? table.names.find(([, bits]) => bits === lowest);
    // util-vserver stops naming at the first bit it cannot name and prints the rest as numbers.
    if (!named) break;
    names.push(named[0]);
    rest &= ~named[1];
  }
  for (let index = 0n; rest !== 0n; index += 1n) {
    if (((rest >> index) & 1n) === 1n) {
      names.push(`^${index}`);
      rest &= ~(1n << index);
    }
  }
  return names;
}
