import { describe, it, expect } from 'vitest';
import { ESLint } from 'eslint';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/**
 * Lints source text as if it were the file at `relPath`, returning the layer-rule messages. Throws
 * when ESLint ignores the file or cannot parse it, so that "no messages" proves the rule ran.
 */
async function layerErrors(relPath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, relPath) });
  const broken = (result?.messages ?? []).filter((m) => m.fatal || m.ruleId === null);
  if (!result || broken.length > 0) throw new Error(`${relPath} was not linted: ${broken.map((m) => m.message).join('; ')}`);
  return result.messages.filter((m) => m.ruleId === 'vfleet/layers').map((m) => m.message);
}

describe('import layers of the README', () => {
  it('rejects the host agent importing the fleet core', async () => {
    const errors = await layerErrors('host-agent/src/probe.ts', "import { x } from '../../electron/core/fleet';\nexport const y = x;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('host-agent/ may not import electron/core/ (allowed: host-agent/, shared/, shared/node/, Node built-ins)');
  });

  it('rejects an npm package in the host agent, which ships without dependencies', async () => {
    const errors = await layerErrors('host-agent/src/probe.ts', "import { z } from 'zod';\nexport const s = z.string();\n");
    expect(errors[0]).toContain("host-agent/ may not import the package 'zod'");
  });

  it('rejects Node built-ins in shared/ and in the renderer', async () => {
    expect(await layerErrors('shared/probe.ts', "import fs from 'node:fs';\nexport const f = fs;\n")).toHaveLength(1);
    expect(await layerErrors('renderer/src/probe.ts', "import { readFileSync } from 'fs';\nexport const f = readFileSync;\n")).toHaveLength(1);
  });

  it("rejects 'electron' in the fleet core but allows it in main.ts", async () => {
    const core = await layerErrors('electron/core/probe.ts', "import { app } from 'electron';\nexport const a = app;\n");
    expect(core[0]).toContain("electron/core/ may not import the package 'electron'");
    expect(core[0]).toContain("npm packages except 'electron'");
    expect(await layerErrors('electron/main.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
  });

  it('rejects the renderer reaching ssh2 or the core directly', async () => {
    expect(await layerErrors('renderer/src/probe.ts', "import { Client } from 'ssh2';\nexport const c = Client;\n")).toHaveLength(1);
    expect(await layerErrors('renderer/src/probe.ts', "import { x } from '../../electron/core/fleet';\nexport const y = x;\n")).toHaveLength(1);
  });

  it('allows every layer to import shared/', async () => {
    for (const file of ['host-agent/src/probe.ts', 'electron/core/probe.ts', 'electron/cli/probe.ts', 'electron/adapters/probe.ts', 'renderer/src/probe.ts']) {
      const rel = path.relative(path.dirname(path.join(root, file)), path.join(root, 'shared/protocol/envelope'));
      expect(await layerErrors(file, `import { PROTOCOL_VERSION } from '${rel}';\nexport const v = PROTOCOL_VERSION;\n`)).toEqual([]);
    }
  });

  it('lets the Node layers use shared/node/, and keeps it from shared/ and the renderer', async () => {
    const probe = (file: string): Promise<string[]> => {
      const relative = path.relative(path.dirname(path.join(root, file)), path.join(root, 'shared/node/atomicWrite'));
      const rel = relative.startsWith('.') ? relative : `./${relative}`;
      return layerErrors(file, `import { writeFileAtomic } from '${rel}';\nexport const w = writeFileAtomic;\n`);
    };
    for (const file of ['host-agent/src/probe.ts', 'electron/core/probe.ts', 'electron/cli/probe.ts']) expect(await probe(file)).toEqual([]);
    expect((await probe('shared/probe.ts'))[0]).toContain('shared/ may not import shared/node/');
    expect((await probe('renderer/src/probe.ts'))[0]).toContain('renderer/ may not import shared/node/');
    expect((await layerErrors('shared/node/probe.ts', "import { x } from '../../electron/core/fleet';\nexport const y = x;\n"))[0]).toContain('shared/node/ may not import electron/core/');
  });

  it('rejects a type-position import() of another layer', async () => {
    const errors = await layerErrors('shared/probe.ts', "export let core: import('../electron/core/fleet').FleetCore | undefined;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("shared/ may not import electron/core/ (allowed: shared/, 'zod')");
    expect(await layerErrors('shared/probe.ts', "export let host: import('./api/hosts').Host | undefined;\n")).toEqual([]);
  });

  it('lints every script extension, not only .ts', async () => {
    for (const ext of ['mts', 'cts', 'tsx', 'js', 'mjs', 'cjs', 'jsx']) {
      const file = `shared/probe.${ext}`;
      expect(await layerErrors(file, "import { Client } from 'ssh2';\nexport const c = Client;\n"), file).toEqual([
        "Forbidden import 'ssh2': shared/ may not import the package 'ssh2' (allowed: shared/, 'zod').",
      ]);
      expect(await layerErrors(file, "import { z } from 'zod';\nexport const s = z.string();\n"), file).toEqual([]);
    }
  });

  it('lets *.config.* files use build tools but not the sources of a layer, and no layer import them', async () => {
    const vite = "import { defineConfig } from 'vite';\nimport path from 'node:path';\nexport default defineConfig({ root: path.resolve('.') });\n";
    expect(await layerErrors('renderer/vite.config.ts', vite)).toEqual([]);
    expect(await layerErrors('vitest.config.ts', "import { defineConfig } from 'vitest/config';\nexport default defineConfig({});\n")).toEqual([]);
    const app = await layerErrors('renderer/vite.config.ts', "import { App } from './src/App';\nexport default App;\n");
    expect(app[0]).toContain('tool config files (*.config.*) may not import renderer/ (allowed: tool config files (*.config.*), build/, shared/');
    expect(await layerErrors('vitest.config.ts', "import { createFleetCore } from './electron/core/fleet';\nexport default createFleetCore;\n")).toHaveLength(1);
    // A config file in shared/ cannot launder a package into the layer.
    const laundered = await layerErrors('shared/probe.ts', "import { Client } from './ssh.config';\nexport const c = Client;\n");
    expect(laundered[0]).toContain('shared/ may not import tool config files (*.config.*)');
  });

  it('rejects export ... from re-exports of another layer', async () => {
    for (const source of [
      "export { createFleetCore } from '../../electron/core/fleet';\n",
      "export * from '../../electron/core/fleet';\n",
      "export * as fleet from '../../electron/core/fleet';\n",
      "export type { FleetCore } from '../../electron/core/fleet';\n",
    ]) {
      const errors = await layerErrors('host-agent/src/probe.ts', source);
      expect(errors, source).toHaveLength(1);
      expect(errors[0]).toContain('host-agent/ may not import electron/core/');
    }
    expect(await layerErrors('host-agent/src/probe.ts', "export { PROTOCOL_VERSION } from '../../shared/protocol/envelope';\n")).toEqual([]);
  });

  it('rejects require() of a forbidden module, in every spelling', async () => {
    for (const source of [
      "export const z = require('zod');\n",
      "import z = require('zod');\nexport { z };\n",
      "import { createRequire } from 'node:module';\nexport const z = createRequire(import.meta.url)('zod');\n",
      "import { createRequire } from 'node:module';\nconst load = createRequire(import.meta.url);\nexport const z = load('zod');\n",
    ]) {
      const errors = await layerErrors('host-agent/src/probe.ts', source);
      expect(errors, source).toHaveLength(1);
      expect(errors[0]).toContain("host-agent/ may not import the package 'zod' (allowed: host-agent/, shared/, shared/node/, Node built-ins)");
    }
    expect(await layerErrors('host-agent/src/probe.ts', "export const fs = require('node:fs');\n")).toEqual([]);
    // A local function that happens to be called require is not CommonJS's.
    expect(await layerErrors('host-agent/src/probe.ts', "function require(name: string) { return name; }\nexport const m = require('memory');\n")).toEqual([]);
  });

  it('rejects dynamic import() of a forbidden module, and one the lint cannot read', async () => {
    for (const source of ["export const e = import('electron');\n", 'export const e = import(`electron`);\n']) {
      const errors = await layerErrors('electron/core/probe.ts', source);
      expect(errors, source).toHaveLength(1);
      expect(errors[0]).toContain("electron/core/ may not import the package 'electron'");
    }
    const computed = await layerErrors('electron/core/probe.ts', "const name = 'electron';\nexport const e = import(name);\n");
    expect(computed[0]).toContain('electron/core/ may not import a module named by a computed expression');
    expect(await layerErrors('electron/core/probe.ts', "export const fs = import('node:fs');\nexport const s = import('./ssh/sshErrors');\n")).toEqual([]);
  });

  it('keeps the fleet core off the adapters, the CLI and the Electron entry files', async () => {
    for (const target of ['../adapters/desktopStores', '../cli/vfleet', '../main', '../preload']) {
      const errors = await layerErrors('electron/core/probe.ts', `import '${target}';\n`);
      expect(errors, target).toHaveLength(1);
      expect(errors[0]).toContain("(allowed: electron/core/, shared/, shared/node/, Node built-ins, npm packages except 'electron')");
    }
    expect(await layerErrors('electron/core/probe.ts', "import { Client } from 'ssh2';\nimport './store/fileLock';\nexport const c = Client;\n")).toEqual([]);
  });

  it('lets the CLI use the fleet core but not the adapters, the Electron entry files or electron', async () => {
    for (const target of ['../adapters/desktopStores', '../main', '../preload', 'electron']) {
      const errors = await layerErrors('electron/cli/probe.ts', `import '${target}';\n`);
      expect(errors, target).toHaveLength(1);
      expect(errors[0]).toContain('electron/cli/ may not import');
      expect(errors[0]).toContain('(allowed: electron/cli/, electron/core/, shared/');
    }
    expect(await layerErrors('electron/cli/probe.ts', "import { createFleetCore } from '../core/fleet';\nexport const c = createFleetCore;\n")).toEqual([]);
  });

  it("lets the adapters use electron and the fleet core, and the entry files the adapters, but not the reverse", async () => {
    expect(await layerErrors('electron/adapters/probe.ts', "import { app } from 'electron';\nimport '../core/store/fileLock';\nexport const a = app;\n")).toEqual([]);
    expect(await layerErrors('electron/main.ts', "import './adapters/desktopStores';\nimport './core/fleet';\n")).toEqual([]);
    const up = await layerErrors('electron/adapters/probe.ts', "import '../main';\n");
    expect(up[0]).toContain('electron/adapters/ may not import electron/*.ts (the Electron entry files)');
    const cli = await layerErrors('electron/main.ts', "import './cli/vfleet';\n");
    expect(cli[0]).toContain('electron/*.ts (the Electron entry files) may not import electron/cli/');
  });
});
