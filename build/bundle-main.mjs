// Compiles the Electron main process, its preload and the vfleet CLI; npm packages stay external
// (electron-builder ships node_modules), so this never needs the Electron binary.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning', sourcemap: true };
await build({ ...common, entryPoints: { main: 'electron/main.ts', preload: 'electron/preload.ts' }, outdir: 'dist/electron', outExtension: { '.js': '.cjs' } });
if (existsSync('electron/cli/vfleet.ts')) {
  await build({ ...common, entryPoints: { vfleet: 'electron/cli/vfleet.ts' }, outdir: 'dist/cli', outExtension: { '.js': '.cjs' } });
}
