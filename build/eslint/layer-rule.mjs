// The import layers of the README's Layout table: each layer may import only what LAYERS allows it.
// A wrong import fails lint instead of a review. Every way of naming a module is checked: import and
// export-from declarations, type-position and dynamic import(), require(), and TypeScript's
// `import x = require()`.
import path from 'node:path';
import { isBuiltin } from 'node:module';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CONFIG_FILE = /\.config(\.\w+)?$/; // vite.config.ts, and './vite.config' as an import target

/**
 * What each layer may import. `folders`: layers reachable by relative paths; `builtins`: Node
 * built-in modules; `packages`: true for any npm package, or the list of those allowed; `denied`:
 * packages refused even so. Layers missing here (test/, build/) may import anything.
 */
const LAYERS = {
  shared: { folders: ['shared'], builtins: false, packages: ['zod'] },
  'shared/node': { folders: ['shared/node', 'shared'], builtins: true, packages: [] },
  'host-agent': { folders: ['host-agent', 'shared', 'shared/node'], builtins: true, packages: [] },
  'electron/core': { folders: ['electron/core', 'shared', 'shared/node'], builtins: true, packages: true, denied: ['electron'] },
  'electron/cli': { folders: ['electron/cli', 'electron/core', 'shared', 'shared/node'], builtins: true, packages: true, denied: ['electron'] },
  'electron/adapters': { folders: ['electron/adapters', 'electron/core', 'shared', 'shared/node'], builtins: true, packages: true },
  electron: { folders: ['electron', 'electron/adapters', 'electron/core', 'shared', 'shared/node'], builtins: true, packages: true },
  renderer: { folders: ['renderer', 'shared'], builtins: false, packages: true, denied: ['electron', 'electron-store', 'ssh2'] },
  config: { folders: ['config', 'build', 'shared'], builtins: true, packages: true },
  bin: { folders: ['bin', 'dist'], builtins: true, packages: [] },
};

const LABELS = {
  electron: 'electron/*.ts (the Electron entry files)',
  config: 'tool config files (*.config.*)',
};
const label = (layer) => LABELS[layer] ?? (layer ? `${layer}/` : 'outside the repository');

/**
 * Which layer a file or import target (absolute path) belongs to: its first folder under the root,
 * refined to electron/core, electron/cli, electron/adapters or `electron` (the Electron entry files
 * and anything else of the Electron app); `config` for tool configuration run in Node at build time
 * (any *.config.* file, and the files at the repository root: eslint.config.mjs, vitest.config.ts).
 */
export function layerOf(file) {
  const parts = path.relative(ROOT, file).split(path.sep);
  if (parts[0] === '..' || path.isAbsolute(parts[0])) return undefined;
  if (parts[0] === 'test' || parts[0] === 'build') return parts[0];
  if (parts.length === 1 || CONFIG_FILE.test(parts.at(-1))) return 'config';
  if (parts[0] === 'electron' && ['core', 'cli', 'adapters'].includes(parts[1])) return `electron/${parts[1]}`;
  if (parts[0] === 'shared' && parts[1] === 'node') return 'shared/node';
  return parts[0];
}

function allowedText({ folders, builtins, packages, denied }) {
  const items = folders.map(label);
  if (builtins) items.push('Node built-ins');
  if (packages === true) items.push(denied ? `npm packages except ${denied.map((p) => `'${p}'`).join(', ')}` : 'npm packages');
  else if (packages.length) items.push(...packages.map((p) => `'${p}'`));
  return items.join(', ');
}

/** Returns why importing `spec` from `file` is forbidden, or undefined when it is allowed. */
export function checkImport(file, spec) {
  const from = layerOf(file);
  const rules = LAYERS[from];
  if (!rules) return undefined;
  let what;
  if (spec === undefined) {
    what = 'a module named by a computed expression (use a string literal the lint can check)';
  } else if (spec.startsWith('.') || spec.startsWith('/')) {
    const to = layerOf(path.resolve(path.dirname(file), spec));
    if (!rules.folders.includes(to)) what = label(to);
  } else if (isBuiltin(spec)) {
    if (!rules.builtins) what = `the Node built-in '${spec}'`;
  } else {
    const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    const listed = rules.packages === true || rules.packages.includes(pkg);
    if (!listed || rules.denied?.includes(pkg)) what = `the package '${pkg}'`;
  }
  return what && `${label(from)} may not import ${what} (allowed: ${allowedText(rules)})`;
}

/** The module name a specifier node spells: a string or a template literal without expressions. */
function specOf(node) {
  if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked;
  return undefined;
}

const isCreateRequire = (node) =>
  node?.type === 'CallExpression' &&
  (node.callee.name === 'createRequire' || node.callee.property?.name === 'createRequire');

export const layerRule = {
  meta: {
    type: 'problem',
    docs: { description: "enforce the import layers of the README's Layout table" },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const requires = new Set(); // local names bound to createRequire(...)
    const check = (node, source) => {
      const spec = specOf(source);
      const why = checkImport(file, spec);
      if (why) context.report({ node, message: `Forbidden import${spec === undefined ? '' : ` '${spec}'`}: ${why}.` });
    };
    /** True when `require` here is CommonJS's, not a local function of that name. */
    const isGlobalRequire = (node) => {
      for (let scope = context.sourceCode.getScope(node); scope; scope = scope.upper) {
        if (scope.set.get('require')?.defs.length) return false;
      }
      return true;
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportType: (node) => check(node, node.source ?? node.argument?.literal),
      TSExternalModuleReference: (node) => check(node, node.expression),
      VariableDeclarator: (node) => node.id.type === 'Identifier' && isCreateRequire(node.init) && requires.add(node.id.name),
      CallExpression(node) {
        const callee = node.callee;
        const named = callee.type === 'Identifier' && (requires.has(callee.name) || (callee.name === 'require' && isGlobalRequire(node)));
        if (named || isCreateRequire(callee)) check(node, node.arguments[0]);
      },
    };
  },
};

export default { rules: { layers: layerRule } };
