// Builds the agent bundle exactly as `npm run build:agent` does and stages a copy the way the
// fleet core deploys it: one file alone in a directory outside the repository (whose package.json
// says "type": "module", which would make Node read the CommonJS bundle as an ES module).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const REPOSITORY = join(__dirname, '..', '..', '..');
const BUILT_BUNDLE = join(REPOSITORY, 'host-agent', 'dist', 'vfleet-agent.js');

export interface StagedAgent {
  /** Path of the staged bundle, visible on this machine and inside lab hosts (/var/tmp is shared). */
  path: string;
  remove(): void;
}

export function stageAgentBundle(): StagedAgent {
  execFileSync(process.execPath, [join(REPOSITORY, 'build', 'bundle-agent.mjs')], { cwd: REPOSITORY, stdio: 'pipe' });
  const directory = mkdtempSync('/var/tmp/vfleet-agent-test-');
  const path = join(directory, 'vfleet-agent.js');
  copyFileSync(BUILT_BUNDLE, path);
  return { path, remove: () => rmSync(directory, { recursive: true, force: true }) };
}
