// Runs the real agent bundle (with the namespaces driver) inside a lab host, for the namespaces
// driver's lab tests: built once per test file into its own folder, so parallel builds of the
// shared dist file never race with it.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Lab } from '../../lab/lab';
import { REPOSITORY } from './agentBundle';

export interface AgentOnHost {
  bundle: string;
  run(args: string[], input?: string): ReturnType<Lab['exec']>;
  json<T>(args: string[]): Promise<T>;
  /** Runs a command inside a guest through `exec`; resolves with its exit code and output. */
  inGuest(guest: string, script: string): ReturnType<Lab['exec']>;
  remove(): void;
}

/** /var/tmp is shared with the lab hosts (their /tmp is private). */
export async function agentOnHost(lab: Lab, host: string): Promise<AgentOnHost> {
  const directory = mkdtempSync('/var/tmp/vfleet-ns-test-');
  const bundle = join(directory, 'vfleet-agent.js');
  await build({
    entryPoints: [join(REPOSITORY, 'host-agent', 'src', 'main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    logLevel: 'warning',
  });
  const run = (args: string[], input?: string): ReturnType<Lab['exec']> => lab.exec(host, [process.execPath, bundle, ...args], { input, timeoutMs: 90_000 });
  return {
    bundle,
    run,
    async json<T>(args: string[]): Promise<T> {
      const result = await run([...args, '--json']);
      if (result.code !== 0) throw new Error(`agent ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
      return JSON.parse(result.stdout) as T;
    },
    inGuest: (guest, script) => run(['exec', guest, '--', '/bin/sh', '-c', script]),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
