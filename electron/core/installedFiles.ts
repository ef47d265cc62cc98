// Files of this vfleet's own installation (the agent bundle, the built renderer), found from a
// module's own file: the source tree, a bundle in dist/ of a checkout or package, or a packaged
// app's resources. Never from the current directory: a file planted where an admin runs vfleet
// must not be what it deploys or serves.
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The first existing `relative` (a path from the package root) beside or above `moduleFile`; else where the last place would hold it. */
export function installedPath(relative: string, moduleFile: string): string {
  const candidates = installedLocations(path.dirname(moduleFile)).map((dir) => path.join(dir, relative));
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[candidates.length - 1] ?? relative;
}

/** This module's directory and its parents up to the one with package.json, then Electron's resources. */
function installedLocations(start: string): string[] {
  const dirs: string[] = [];
  for (let dir = start; ; dir = path.dirname(dir)) {
    dirs.push(dir);
    if (existsSync(path.join(dir, 'package.json')) || path.dirname(dir) === dir) break;
  }
  const resources = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  return resources ? [...dirs, resources] : dirs;
}
