// `vattribute --xid X --get` output (util-vserver src/vattribute.c): blocks of a title line
// (`bcapabilities:`, `ccapabilities:`, `flags:`, `umask:` when the kernel has it) followed by
// one comma-separated line of names.
import { applyBitList } from './bitList';
import { BCAPS, CCAPS, CFLAGS, UMASK, type BitTable } from './contextBits';

export interface AttributeSet {
  names: string[];
  bits: bigint;
}

export interface ContextAttributes {
  bcapabilities: AttributeSet;
  ccapabilities: AttributeSet;
  flags: AttributeSet;
  /** Absent on kernels without unshare masks. */
  umask?: AttributeSet;
}

const BLOCK_TABLES: Record<string, BitTable> = {
  bcapabilities: BCAPS,
  ccapabilities: CCAPS,
  flags: CFLAGS,
  umask: UMASK,
};

function attributeSet(line: string, table: BitTable): AttributeSet {
  const names = line.split(',').map((name) => name.trim()).filter((name) => name !== '');
  return { names, bits: names.length === 0 ? 0n : applyBitList({ bits: 0n, mask: 0n }, names.join(','), table).bits };
}

export function parseVattributeGet(text: string): ContextAttributes {
  const lines = text.split('\n');
  const blocks: Partial<Record<string, AttributeSet>> = {};
  for (let index = 0; index < lines.length; index += 1) {
    const title = /^(\w+):$/.exec(lines[index]?.trim() ?? '')?.[1];
    if (title === undefined) continue;
    const table = BLOCK_TABLES[title];
    if (!table) throw new SyntaxError(`vattribute --get printed an unknown block '${title}:'`);
    blocks[title] = attributeSet(lines[index + 1] ?? '', table);
    index += 1;
  }
  const { bcapabilities, ccapabilities, flags, umask } = blocks;
  if (!bcapabilities || !ccapabilities || !flags) {
    throw new SyntaxError('vattribute --get output lacks one of its bcapabilities:, ccapabilities: or flags: blocks');
  }
  return umask ? { bcapabilities, ccapabilities, flags, umask } : { bcapabilities, ccapabilities, flags };
}
