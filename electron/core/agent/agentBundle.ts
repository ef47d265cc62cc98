// The agent bundle this workstation deploys: its bytes and the content hash that names its
// directory on every host.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AgentBundle {
  path: string;
  bytes: Buffer;
  sha256: string;
}

const BUNDLE_RELATIVE = path.join('host-agent', 'dist', 'vfleet-agent.js');

/**
 * The bundle of the installed program, or $VFLEET_AGENT_BUNDLE. Found from this module's own file
 * (the source tree, or a bundle in dist/ of a checkout or package) up to the package root, or
 * in a packaged app's resources. Never from the current directory: a bundle planted where an admin
 * runs vfleet would be run as root on every host.
 */
export function defaultAgentBundlePath(moduleFile: string = fileURLToPath(import.meta.url)): string {
  const fromEnv = process.env.VFLEET_AGENT_BUNDLE;
  if (fromEnv) return fromEnv;
  const candidates = installedLocations(path.dirname(moduleFile)).map((dir) => path.join(dir, BUNDLE_RELATIVE));
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[candidates.length - 1] ?? BUNDLE_RELATIVE;
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

export async function loadAgentBundle(bundlePath: string): Promise<AgentBundle> {
  const bytes = await readFile(bundlePath).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`the host agent bundle ${bundlePath} is missing (${error.code ?? error.message}); run 'npm run build:agent'`);
  });
  return { path: bundlePath, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
