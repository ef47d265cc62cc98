// `npm run dist` as far as it runs without the network: electron-builder (its real Packager)
// loads and validates build/electron-builder.yml, the files it packs and ships exist after
// `npm run build`, and its afterPack hook sets the fuses through electron-builder's own
// addElectronFuses and @electron/fuses. Electron's binaries cannot be downloaded here, so the
// packed executable is a stand-in: a file holding Electron's fuse sentinel and the 8-fuse wire
// with Electron 37's defaults, at the path electron-builder computes for each platform. Packing,
// installers and signing are not run (they download Electron and tools).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getCurrentFuseWire } from '@electron/fuses';
import { Arch, LinuxPackager, MacPackager, Packager, Platform, WinPackager, type PlatformPackager } from 'app-builder-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { afterPack } from '../../build/afterPack.mjs';
import { defaultAgentBundlePath } from '../../electron/core/agent/agentBundle';
import { DESKTOP_APP_ID } from '../../electron/shell/alertNotifications';

const root = path.resolve(import.meta.dirname, '..', '..');
const configFile = path.join(root, 'build', 'electron-builder.yml');
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// RunAsNode, EnableCookieEncryption, EnableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments,
// EnableEmbeddedAsarIntegrityValidation, OnlyLoadAppFromAsar, LoadBrowserProcessSpecificV8Snapshot, GrantFileProtocolExtraPrivileges.
const ELECTRON_DEFAULT_WIRE = '10110001';

let scratch: string;
let packager: Packager;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'vfleet-packaging-'));
  packager = new Packager({ projectDir: root, config: configFile, targets: Platform.LINUX.createTarget(['dir']) });
  await packager.validateConfig();
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A stand-in packed executable at `file`: padding, Electron's sentinel, wire version 1, 8 fuses. */
async function standInExecutable(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, Buffer.concat([Buffer.alloc(4096, 0x90), Buffer.from(SENTINEL), Buffer.from([1, 8]), Buffer.from(ELECTRON_DEFAULT_WIRE), Buffer.alloc(4096, 0x90)]));
}

/** The wire after the hook, one character a fuse ('0' off, '1' on). */
async function wireOf(file: string): Promise<string> {
  const wire = await getCurrentFuseWire(file) as unknown as Record<number, number>;
  return Array.from({ length: 8 }, (_, index) => String.fromCharCode(wire[index] ?? 0)).join('');
}

async function runAfterPack(platformPackager: PlatformPackager<never>, electronPlatformName: string, appOutDir: string): Promise<void> {
  await afterPack({ appOutDir, electronPlatformName, arch: Arch.x64, packager: platformPackager as never });
}

describe('the electron-builder configuration', () => {
  it('passes electron-builder’s own schema validation and names the afterPack hook', () => {
    // The id Windows shows the app's notifications for is the one its installer registers.
    expect(packager.config.appId).toBe(DESKTOP_APP_ID);
    expect(packager.config.afterPack).toBe('./build/afterPack.mjs');
    expect(existsSync(path.join(root, 'build', 'afterPack.mjs'))).toBe(true);
  });

  it('packs dist/ only and ships the agent bundle as an extra resource that exists after the build', async () => {
    const raw = parse(await readFile(configFile, 'utf8')) as { files: string[]; extraResources: { from: string; to: string }[] };
    expect(raw.files).toEqual(['dist/**/*', '!dist/**/*.map']);
    for (const built of ['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'dist/cli/vfleet.cjs', 'dist/renderer/index.html']) {
      expect(existsSync(path.join(root, built)), `${built} (run npm run build first)`).toBe(true);
    }
    expect(raw.extraResources).toEqual([{ from: 'host-agent/dist/vfleet-agent.js', to: 'host-agent/dist/vfleet-agent.js' }]);
    expect(existsSync(path.join(root, 'host-agent/dist/vfleet-agent.js'))).toBe(true);
    expect(JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')).main).toBe('dist/electron/main.cjs');
  });

  it('targets AppImage and deb on Linux, dmg on macOS, nsis on Windows', () => {
    const targets = (value: unknown) => (value as { target: string[] }).target;
    expect(targets(packager.config.linux)).toEqual(['AppImage', 'deb']);
    expect(targets(packager.config.mac)).toEqual(['dmg']);
    expect(targets(packager.config.win)).toEqual(['nsis']);
    expect(packager.config.linux?.maintainer).toBeTruthy();
  });
});

describe('the afterPack hook', () => {
  it('on Linux: no RunAsNode, NODE_OPTIONS or --inspect; cookies encrypted; the app only from app.asar; no extra file:// privileges', async () => {
    const appOutDir = path.join(scratch, 'linux-unpacked');
    const linux = new LinuxPackager(packager);
    await standInExecutable(path.join(appOutDir, linux.executableName));
    await runAfterPack(linux as never, 'linux', appOutDir);
    // Electron validates the embedded ASAR integrity on macOS and Windows only: left as it was here.
    expect(await wireOf(path.join(appOutDir, 'vfleet'))).toBe('01000100');
  });

  it('on Windows and macOS: the same, and the ASAR integrity validated', async () => {
    const winOut = path.join(scratch, 'win-unpacked');
    await standInExecutable(path.join(winOut, 'vfleet.exe'));
    await runAfterPack(new WinPackager(packager) as never, 'win32', winOut);
    expect(await wireOf(path.join(winOut, 'vfleet.exe'))).toBe('01001100');

    const macOut = path.join(scratch, 'mac');
    const framework = path.join(macOut, 'vfleet.app', 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework');
    await standInExecutable(framework);
    await runAfterPack(new MacPackager(packager) as never, 'darwin', macOut);
    expect(await wireOf(path.join(macOut, 'vfleet.app'))).toBe('01001100');
  });
});

describe('the agent bundle in a packaged app', () => {
  it('is found in the resources folder, outside app.asar, where extraResources puts it', async () => {
    const resources = path.join(scratch, 'opt', 'vfleet', 'resources');
    const appAsar = path.join(resources, 'app.asar');
    await mkdir(path.join(appAsar, 'dist', 'electron'), { recursive: true });
    await writeFile(path.join(appAsar, 'package.json'), '{}');
    await mkdir(path.join(resources, 'host-agent', 'dist'), { recursive: true });
    await writeFile(path.join(resources, 'host-agent', 'dist', 'vfleet-agent.js'), '// agent');
    const electronProcess = process as NodeJS.Process & { resourcesPath?: string };
    const saved = { resourcesPath: electronProcess.resourcesPath, bundle: process.env.VFLEET_AGENT_BUNDLE };
    electronProcess.resourcesPath = resources;
    delete process.env.VFLEET_AGENT_BUNDLE;
    try {
      expect(defaultAgentBundlePath(path.join(appAsar, 'dist', 'electron', 'main.cjs'))).toBe(path.join(resources, 'host-agent', 'dist', 'vfleet-agent.js'));
    } finally {
      if (saved.resourcesPath === undefined) Reflect.deleteProperty(electronProcess, 'resourcesPath');
      else electronProcess.resourcesPath = saved.resourcesPath;
      if (saved.bundle !== undefined) process.env.VFLEET_AGENT_BUNDLE = saved.bundle;
    }
  });
});
