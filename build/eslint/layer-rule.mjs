// The import-layer rule of docs/architecture.md: each top-level folder may import only the layers
// below it. A wrong import fails lint instead of a review.
import path from 'node:path';
import { builtinModules } from 'node:module';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BUILTINS = new Set(builtinModules);

/** Which layer a file (absolute path) belongs to: its first folder under the repository root. */
export function layerOf(file) {
  const rel = path.relative(ROOT, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0];
}

/** Files that may import the 'electron' module: the desktop entry files and their adapters. */
function isElectronEntry(file) {
  const rel = path.relative(ROOT, file).split(path.sep).join('/');
  return rel === 'electron/main.ts' || rel === 'electron/preload.ts' || rel.startsWith('electron/adapters/');
}

function isBuiltin(spec) {
  return spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0]);
}

/** Returns why an import is forbidden, or undefined when it is allowed. */
export function checkImport(file, spec) {
  const from = layerOf(file);
  // Tool configuration files (vite.config.ts, ...) run in Node at build time, not in their folder's layer.
  if (!from || from === 'test' || from === 'build' || /\.config\.(ts|mjs)$/.test(file)) return undefined;
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const to = layerOf(path.resolve(path.dirname(file), spec));
    if (to === from || to === 'shared') return undefined;
    return `${from}/ may not import from ${to ?? 'outside the repository'}/ (allowed: ${from}/, shared/)`;
  }
  if (isBuiltin(spec)) {
    if (from === 'shared') return 'shared/ is pure TypeScript: no Node built-in modules';
    if (from === 'renderer') return 'renderer/ runs in a browser: no Node built-in modules';
    return undefined;
  }
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
  if (from === 'shared') return pkg === 'zod' ? undefined : `shared/ may import only zod, not '${pkg}'`;
  if (from === 'host-agent') return `host-agent/ is bundled without runtime dependencies: no npm package ('${pkg}')`;
  if (pkg === 'electron') {
    if (from === 'electron' && isElectronEntry(file)) return undefined;
    return `only electron/main.ts, electron/preload.ts and electron/adapters/ may import 'electron' (the fleet core runs in plain Node)`;
  }
  if (from === 'renderer' && (pkg === 'ssh2' || pkg === 'electron-store')) {
    return `renderer/ reaches the core only through the vfleet API, not '${pkg}'`;
  }
  return undefined;
}

export const layerRule = {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the import layers of docs/architecture.md' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const report = (node, spec) => {
      if (typeof spec !== 'string') return;
      const why = checkImport(file, spec);
      if (why) context.report({ node, message: `Forbidden import '${spec}': ${why}.` });
    };
    return {
      ImportDeclaration: (node) => report(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && report(node, node.source.value),
      ExportAllDeclaration: (node) => report(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && report(node, node.source.value),
    };
  },
};

export default { rules: { layers: layerRule } };
