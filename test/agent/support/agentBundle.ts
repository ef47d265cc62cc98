// Builds the agent bundle exactly as `npm run build:agent` does, once per test file.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const REPOSITORY = join(__dirname, '..', '..', '..');
export const AGENT_BUNDLE = join(REPOSITORY, 'host-agent', 'dist', 'vfleet-agent.js');

export function buildAgentBundle(): string {
  execFileSync(process.execPath, [join(REPOSITORY, 'build', 'bundle-agent.mjs')], { cwd: REPOSITORY, stdio: 'pipe' });
  return AGENT_BUNDLE;
}
