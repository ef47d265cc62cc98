// Types of electronBinary.mjs for the TypeScript that imports it (tests).
export type ElectronBinary = { path: string } | { missing: string };
export function electronBinary(): ElectronBinary;
