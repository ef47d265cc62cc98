// This process's mount table (/proc/self/mountinfo): its paths unescaped, and the mount points
// below a directory, for removals that must never reach into another filesystem.
import { promises as fs } from 'node:fs';

/** mountinfo escapes spaces and a few bytes as \ooo. */
export function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The mount points strictly below `directory` (a canonical path), deepest first. */
export function mountPointsBelow(mountinfo: string, directory: string): string[] {
  const prefix = directory.endsWith('/') ? directory : `${directory}/`;
  const points = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const point = line.split(' ')[4];
    if (point === undefined) continue;
    const path = unescapeMountPath(point);
    if (path.startsWith(prefix)) points.add(path);
  }
  return [...points].sort((left, right) => right.length - left.length);
}

export async function readMountPointsBelow(directory: string): Promise<string[]> {
  return mountPointsBelow(await fs.readFile('/proc/self/mountinfo', 'utf8'), directory);
}
