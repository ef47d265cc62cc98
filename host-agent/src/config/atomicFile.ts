// Configuration writes replace a file in one rename (shared/node/atomicWrite.ts): a crash or a
// full disk mid-write leaves the previous content, never a truncated file. Configuration files
// are world-readable, as util-vserver's are, and their folder is made when missing.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic as writeAtomic } from '../../../shared/node/atomicWrite';

export { symlinkAtomic } from '../../../shared/node/atomicWrite';

export async function writeFileAtomic(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  await writeAtomic(path, content, mode);
}
