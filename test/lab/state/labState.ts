import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const labHostRecordSchema = z.object({
  name: z.string(),
  number: z.number().int().positive(),
  address: z.string(),
  port: z.number().int(),
  netns: z.string(),
  vethRoot: z.string(),
  mac: z.string(),
  /** tini, the host's PID 1, as seen from the root PID namespace. */
  initPid: z.number().int(),
});
export type LabHostRecord = z.infer<typeof labHostRecordSchema>;

/** What `up` made, so that another process (the CLI, a test) can attach to the running lab or take it down. */
export const labStateSchema = z.object({
  name: z.string(),
  dir: z.string(),
  subnet: z.string(),
  prefixLength: z.number().int(),
  gateway: z.string(),
  bridge: z.string(),
  /** The lab's cgroup directory in each hierarchy; each host has a subdirectory named after it. */
  cgroupRoots: z.array(z.string()),
  cgroupMountSteps: z.array(z.object({ kind: z.enum(['tmpfs', 'cgroup', 'cgroup2', 'symlink']), path: z.string(), data: z.string() })),
  hosts: z.array(labHostRecordSchema),
});
export type LabState = z.infer<typeof labStateSchema>;

export function stateFilePath(dir: string): string {
  return join(dir, 'lab.json');
}

export function readLabState(dir: string): LabState | undefined {
  const path = stateFilePath(dir);
  if (!existsSync(path)) return undefined;
  const parsed = labStateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`the lab state file ${path} is damaged (${parsed.error.message}); run the lab's down command to clean up`);
  return parsed.data;
}

/** Written via rename so that a reader in another process never sees half a file. */
export async function writeLabState(state: LabState): Promise<void> {
  const path = stateFilePath(state.dir);
  await writeFile(`${path}.new`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${path}.new`, path);
}
