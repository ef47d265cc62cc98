import { describe, it, expect } from 'vitest';
import { ESLint } from 'eslint';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** Lints source text as if it were the file at `relPath`, returning the layer-rule messages. */
async function layerErrors(relPath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, relPath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'vfleet/layers').map((m) => m.message);
}

describe('import layers of architecture.md', () => {
  it('rejects the host agent importing the fleet core', async () => {
    const errors = await layerErrors('host-agent/src/probe.ts', "import { x } from '../../electron/core/fleet';\nexport const y = x;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('host-agent/ may not import from electron/');
  });

  it('rejects an npm package in the host agent, which ships without dependencies', async () => {
    const errors = await layerErrors('host-agent/src/probe.ts', "import { z } from 'zod';\nexport const s = z.string();\n");
    expect(errors[0]).toContain('no npm package');
  });

  it('rejects Node built-ins in shared/ and in the renderer', async () => {
    expect(await layerErrors('shared/probe.ts', "import fs from 'node:fs';\nexport const f = fs;\n")).toHaveLength(1);
    expect(await layerErrors('renderer/src/probe.ts', "import { readFileSync } from 'fs';\nexport const f = readFileSync;\n")).toHaveLength(1);
  });

  it("rejects 'electron' in the fleet core but allows it in main.ts", async () => {
    const core = await layerErrors('electron/core/probe.ts', "import { app } from 'electron';\nexport const a = app;\n");
    expect(core[0]).toContain('only electron/main.ts');
    expect(await layerErrors('electron/main.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
  });

  it('rejects the renderer reaching ssh2 or the core directly', async () => {
    expect(await layerErrors('renderer/src/probe.ts', "import { Client } from 'ssh2';\nexport const c = Client;\n")).toHaveLength(1);
    expect(await layerErrors('renderer/src/probe.ts', "import { x } from '../../electron/core/fleet';\nexport const y = x;\n")).toHaveLength(1);
  });

  it('allows every layer to import shared/', async () => {
    for (const file of ['host-agent/src/probe.ts', 'electron/core/probe.ts', 'renderer/src/probe.ts']) {
      const rel = path.relative(path.dirname(path.join(root, file)), path.join(root, 'shared/protocol/envelope'));
      expect(await layerErrors(file, `import { PROTOCOL_VERSION } from '${rel}';\nexport const v = PROTOCOL_VERSION;\n`)).toEqual([]);
    }
  });
});
