// Writes a ustar archive member by member, names and link targets exactly as given: what a
// hostile tarball holds ("..", absolute names, members through a symlink) without tar's own
// clean-ups at creation time.
export type TarMember =
  | { type: 'file'; name: string; data: string; mode?: number }
  | { type: 'directory'; name: string; mode?: number }
  | { type: 'symlink' | 'hardlink'; name: string; target: string };

const BLOCK = 512;
const TYPE_FLAGS = { file: '0', hardlink: '1', symlink: '2', directory: '5' } as const;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(member: TarMember, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const put = (offset: number, text: string): void => void block.write(text, offset, 'utf8');
  const mode = member.type === 'file' || member.type === 'directory' ? (member.mode ?? (member.type === 'file' ? 0o644 : 0o755)) : 0o777;
  put(0, member.name);
  put(100, octal(mode, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(0, 12));
  put(148, ' '.repeat(8));
  put(156, TYPE_FLAGS[member.type]);
  if (member.type === 'symlink' || member.type === 'hardlink') put(157, member.target);
  put(257, 'ustar\x0000');
  const sum = block.reduce((total, byte) => total + byte, 0);
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

export function tarArchive(members: TarMember[]): Buffer {
  const parts: Buffer[] = [];
  for (const member of members) {
    const data = Buffer.from(member.type === 'file' ? member.data : '');
    parts.push(header(member, data.length), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
