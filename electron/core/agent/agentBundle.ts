// The agent bundle this workstation deploys: its bytes and the content hash that names its
// directory on every host.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedPath } from '../installedFiles';

export interface AgentBundle {
  path: string;
  bytes: Buffer;
  sha256: string;
}

const BUNDLE_RELATIVE = path.join('host-agent', 'dist', 'vfleet-agent.js');

/** The bundle of the installed program (installedFiles.ts: never one from the current directory), or $VFLEET_AGENT_BUNDLE. */
export function defaultAgentBundlePath(moduleFile: string = fileURLToPath(import.meta.url)): string {
  return process.env.VFLEET_AGENT_BUNDLE || installedPath(BUNDLE_RELATIVE, moduleFile);
}

export async function loadAgentBundle(bundlePath: string): Promise<AgentBundle> {
  const bytes = await readFile(bundlePath).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`the host agent bundle ${bundlePath} is missing (${error.code ?? error.message}); run 'npm run build:agent'`);
  });
  return { path: bundlePath, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
