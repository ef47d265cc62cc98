import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const defaultLabName = 'vfleet';
export const defaultLabBaseDirectory = '/var/lib/vfleet-lab';

/** Names the lab gives its kernel objects; interface names stay within the kernel's 15 characters. */
export interface LabObjectNames {
  /** Common start of the bridge's and the veths' names. */
  linkPrefix: string;
  bridge: string;
  vethPrefix: string;
  netnsPrefix: string;
  cgroupDirectory: string;
  /** First four bytes of each host's eth0 MAC address (locally administered). */
  macPrefix: string;
}

export function validateLabName(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(name)) {
    throw new Error(`the lab name "${name}" must be 1-40 lower-case letters, digits or dashes, starting with a letter or digit`);
  }
  return name;
}

export function labObjectNames(labName: string): LabObjectNames {
  const shortHash = createHash('sha256').update(labName).digest('hex').slice(0, 6);
  return {
    linkPrefix: `vf${shortHash}`,
    bridge: `vf${shortHash}br`,
    vethPrefix: `vf${shortHash}h`,
    netnsPrefix: `vflab.${labName}.`,
    cgroupDirectory: `vfleet-lab-${labName}`,
    macPrefix: `02:${shortHash.slice(0, 2)}:${shortHash.slice(2, 4)}:${shortHash.slice(4, 6)}`,
  };
}

export function hostName(hostNumber: number): string {
  return `lab-${hostNumber}`;
}

export function vethName(names: LabObjectNames, hostNumber: number): string {
  return `${names.vethPrefix}${hostNumber}`;
}

/** Fixed per host, so a rebooted host keeps its MAC address and no neighbour cache goes stale, as with a real NIC. */
export function hostMacAddress(names: LabObjectNames, hostNumber: number): string {
  const hex = hostNumber.toString(16).padStart(4, '0');
  return `${names.macPrefix}:${hex.slice(0, 2)}:${hex.slice(2, 4)}`;
}

export function netnsName(names: LabObjectNames, host: string): string {
  return `${names.netnsPrefix}${host}`;
}

/** VFLEET_LAB_DIR, when set, is the lab directory itself; otherwise each lab gets its own under /var/lib/vfleet-lab. */
export function labDirectory(labName: string, explicit?: string): string {
  return explicit ?? process.env.VFLEET_LAB_DIR ?? join(defaultLabBaseDirectory, labName);
}
