// The guest's fstab (util-vserver: /etc/vservers/<name>/fstab), mounted inside the guest's root.
// /proc, /sys, /dev and /dev/pts are the launcher's own, so their lines are skipped.

export interface FstabMount {
  source: string;
  /** Relative to the guest root, without a leading slash. */
  target: string;
  type: string;
  options: string;
}

/** util-vserver's default fstab (distrib/misc/fstab) for guests without one. */
export const DEFAULT_GUEST_FSTAB = 'none /proc proc defaults 0 0\nnone /tmp tmpfs size=16m,mode=1777 0 0\nnone /dev/pts devpts gid=5,mode=620 0 0\n';

const LAUNCHER_MOUNTS = new Set(['/proc', '/sys', '/dev', '/dev/pts']);

export function parseGuestFstab(text: string): FstabMount[] {
  const mounts: FstabMount[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [source, target, type, options = 'defaults'] = trimmed.split(/\s+/);
    if (!source || !target || !type) throw new Error(`fstab line '${trimmed}' needs at least a source, a mount point and a type`);
    const normalised = `/${target.split('/').filter((part) => part !== '' && part !== '.').join('/')}`;
    if (normalised.split('/').includes('..')) throw new Error(`fstab mount point '${target}' leaves the guest's root`);
    if (LAUNCHER_MOUNTS.has(normalised)) continue;
    mounts.push({ source: source === 'none' ? type : source, target: normalised.slice(1), type, options });
  }
  return mounts;
}
