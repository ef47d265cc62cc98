// Builds the agent bundle from the current sources with the project's own build script, into a
// private folder (so a parallel `npm run build:agent` cannot race with it), and weighs it.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CleanupStack } from '../benchCleanup';
import type { BenchRecorder } from '../report/benchRecorder';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..', '..');
const BUNDLE_BUDGET_KIB = 300;
const run = promisify(execFile);

/** Returns the path of the freshly built bundle, which the fleet benchmarks then deploy. */
export async function benchAgentBundle(recorder: BenchRecorder, cleanup: CleanupStack): Promise<string> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'vfleet-bench-bundle-'));
  cleanup.add(`agent bundle folder ${workspace}`, () => rm(workspace, { recursive: true, force: true }));
  // The build script names its input and output relative to its working directory.
  await mkdir(path.join(workspace, 'host-agent'));
  await symlink(path.join(REPOSITORY, 'host-agent', 'src'), path.join(workspace, 'host-agent', 'src'));
  const script = path.join(REPOSITORY, 'build', 'bundle-agent.mjs');
  const bundle = path.join(workspace, 'host-agent', 'dist', 'vfleet-agent.js');
  const built = await run(process.execPath, [script], { cwd: workspace }).then(() => undefined, (error: Error & { stderr?: string }) => error);
  const size = await stat(bundle).then((info) => info.size, () => undefined);
  if (size === undefined) throw new Error(`the agent bundle did not build: ${built?.stderr?.trim() || built?.message || 'no output file'}`);
  recorder.add({
    benchmark: 'agent bundle',
    metric: 'size of vfleet-agent.js',
    value: size / 1024,
    unit: 'KiB',
    target: { comparison: '<', limit: BUNDLE_BUDGET_KIB },
    note: `${size} bytes, built by build/bundle-agent.mjs from the current sources`,
  });
  return bundle;
}
