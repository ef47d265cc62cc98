// Types of start.mjs for the TypeScript that imports it (tests).
import type { ElectronBinary } from './electronBinary.mjs';

export interface LaunchPlan {
  mode: 'desktop' | 'browser';
  command: string;
  args: string[];
  /** What `npm start` prints before it runs the plan: why browser mode, or that the OS sandbox is off. */
  notice?: string;
}

export function launchPlan(options: {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  uid: number | undefined;
  binary: ElectronBinary;
  args?: string[];
  node?: string;
}): LaunchPlan;

export function runPlan(plan: LaunchPlan, options?: { stdio?: 'inherit' | 'pipe' }): Promise<number>;
