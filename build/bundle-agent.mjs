// Bundles the host agent into ONE self-contained file runnable by Node >= 18, with no runtime
// dependency: it is what the fleet core uploads to every host.
import { build } from 'esbuild';
import { statSync, chmodSync, writeFileSync } from 'node:fs';

const outfile = 'host-agent/dist/vfleet-agent.js';
const MAX_BYTES = 300 * 1024;

await build({
  entryPoints: ['host-agent/src/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  packages: 'bundle',
  minify: true,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
// The repository is an ES-module package; the bundle is CommonJS so it runs alone on any Node >= 18.
writeFileSync('host-agent/dist/package.json', '{ "type": "commonjs" }\n');
const size = statSync(outfile).size;
if (size > MAX_BYTES) {
  console.error(`${outfile} is ${size} bytes, over the ${MAX_BYTES}-byte budget`);
  process.exit(1);
}
console.log(`${outfile}: ${(size / 1024).toFixed(1)} KiB`);
