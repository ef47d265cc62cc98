// The agent bundle this workstation deploys: its bytes and the content hash that names its
// directory on every host.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface AgentBundle {
  path: string;
  bytes: Buffer;
  sha256: string;
}

const BUNDLE_RELATIVE = path.join('host-agent', 'dist', 'vfleet-agent.js');

/** The bundle beside the running program (repository checkout or packaged app), or $VFLEET_AGENT_BUNDLE. */
export function defaultAgentBundlePath(): string {
  const fromEnv = process.env.VFLEET_AGENT_BUNDLE;
  if (fromEnv) return fromEnv;
  const script = process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : process.cwd();
  const candidates = [process.cwd(), script, path.join(script, '..'), path.join(script, '..', '..')].map((dir) => path.join(dir, BUNDLE_RELATIVE));
  return candidates.find((candidate) => existsSync(candidate)) ?? path.join(process.cwd(), BUNDLE_RELATIVE);
}

export async function loadAgentBundle(bundlePath: string): Promise<AgentBundle> {
  const bytes = await readFile(bundlePath).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`the host agent bundle ${bundlePath} is missing (${error.code ?? error.message}); run 'npm run build:agent'`);
  });
  return { path: bundlePath, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
