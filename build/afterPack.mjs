// electron-builder's afterPack hook: sets the Electron fuses of the packed app (before signing) with
// @electron/fuses. No running as plain Node (ELECTRON_RUN_AS_NODE), no NODE_OPTIONS, no --inspect,
// cookies encrypted, file:// without extra privileges (the app loads from vfleet://), the app only
// from app.asar, and, where Electron validates the integrity electron-builder embeds (macOS,
// Windows), that integrity checked.
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { Arch } from 'electron-builder';

/** Platforms (electron-builder's electronPlatformName) where Electron checks the ASAR integrity electron-builder embeds. */
const ASAR_INTEGRITY_PLATFORMS = ['darwin', 'mas', 'win32'];

/** The fuses for a packaged build on `platform` (electronPlatformName) and `arch` (electron-builder's Arch). */
export function electronFuses(platform, arch) {
  const asarIntegrity = ASAR_INTEGRITY_PLATFORMS.includes(platform);
  return {
    version: FuseVersion.V1,
    // Flipping fuses voids the ad-hoc signature an arm64 Mac needs to run an unsigned build.
    resetAdHocDarwinSignature: platform === 'darwin' && arch === Arch.arm64,
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: asarIntegrity,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}

/** Flips the fuses on the packed executable; electron-builder's packager knows its name and path on each platform. */
export async function afterPack(context) {
  await context.packager.addElectronFuses(context, electronFuses(context.electronPlatformName, context.arch));
}
