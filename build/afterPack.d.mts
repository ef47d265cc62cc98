// Types of afterPack.mjs for the TypeScript that imports it (tests).
import type { FuseV1Config } from '@electron/fuses';

export function electronFuses(platform: string, arch: number): FuseV1Config;
export function afterPack(context: { appOutDir: string; electronPlatformName: string; arch: number; packager: { addElectronFuses(context: unknown, fuses: FuseV1Config): Promise<unknown> } }): Promise<void>;
