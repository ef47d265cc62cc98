// Compiles the Electron main process, its preload and the vfleet CLI; npm packages stay external
// for main and the CLI (electron-builder ships node_modules), so this never needs the Electron
// binary. The preload runs sandboxed, where `require` knows only 'electron' and a few polyfills:
// it is bundled whole for the browser platform (a Node built-in in it fails the build), minified
// because the method table it takes its names from brings zod (about 480 KB).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

// import.meta.url means the bundle's own file, as it does for the sources (the agent bundle is found from it).
const ownUrl = { define: { 'import.meta.url': 'importMetaUrl' }, banner: { js: 'const importMetaUrl = require("node:url").pathToFileURL(__filename).href;' } };
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning', sourcemap: true, ...ownUrl };
await build({ ...common, entryPoints: { main: 'electron/main.ts' }, outdir: 'dist/electron', outExtension: { '.js': '.cjs' } });
await build({
  entryPoints: { preload: 'electron/preload.ts' }, outdir: 'dist/electron', outExtension: { '.js': '.cjs' },
  bundle: true, platform: 'browser', target: 'chrome138', format: 'cjs', external: ['electron'], minify: true, logLevel: 'warning', sourcemap: true,
});
if (existsSync('electron/cli/vfleet.ts')) {
  await build({ ...common, entryPoints: { vfleet: 'electron/cli/vfleet.ts' }, outdir: 'dist/cli', outExtension: { '.js': '.cjs' } });
}
