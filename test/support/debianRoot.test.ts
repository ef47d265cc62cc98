// The Debian root cache: its key follows the package list, a folder without its completion marker
// is never used, and the cached tree is a complete bookworm root with the .debs to rebuild it.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOKWORM_SYSV, debianMirror, debianRoot, debianRootKey, readMarker } from './debianRoot';

describe('the cache key', () => {
  it('changes with the package list and the mirror, not with the order of the packages', () => {
    const mirror = 'http://deb.debian.org/debian';
    const key = debianRootKey(BOOKWORM_SYSV, mirror);
    expect(debianRootKey({ ...BOOKWORM_SYSV, include: [...BOOKWORM_SYSV.include].reverse() }, mirror)).toBe(key);
    expect(debianRootKey({ ...BOOKWORM_SYSV, include: [...BOOKWORM_SYSV.include, 'busybox'] }, mirror)).not.toBe(key);
    expect(debianRootKey(BOOKWORM_SYSV, 'http://mirror.example/debian')).not.toBe(key);
  });

  it('takes the mirror of the suite from apt\'s deb822 sources', () => {
    const directory = mkdtempSync(join(tmpdir(), 'vfleet-sources-'));
    try {
      const file = join(directory, 'debian.sources');
      writeFileSync(file, 'Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n');
      expect(debianMirror('bookworm', file)).toBe('http://mirror.example/debian');
      expect(debianMirror('bookworm', join(directory, 'missing'))).toBe('http://deb.debian.org/debian');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('the cache folder', () => {
  it('counts as built only with its completion marker', () => {
    const directory = mkdtempSync(join(tmpdir(), 'vfleet-debian-cache-'));
    try {
      mkdirSync(join(directory, 'tree', 'etc'), { recursive: true });
      expect(readMarker(directory)).toBeUndefined();
      writeFileSync(join(directory, 'complete'), '{"buildSeconds":12}\n');
      expect(readMarker(directory)).toEqual({ buildSeconds: 12 });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('holds a bookworm tree with sysvinit and sshd and the tarball of its .debs; parallel callers share it', async () => {
    const [first, second] = await Promise.all([debianRoot(), debianRoot()]);
    expect(second?.tree).toBe(first?.tree);
    const root = first!;
    expect(root.tree).toContain(`${BOOKWORM_SYSV.name}-${root.key}`);
    expect(readMarker(join(root.tree, '..'))).toBeDefined();
    for (const file of ['etc/debian_version', 'sbin/init', 'usr/sbin/sshd', 'etc/init.d/ssh', 'etc/rc3.d/S01ssh', 'bin/ps']) expect(existsSync(join(root.tree, file))).toBe(true);
    expect(existsSync(root.tarball)).toBe(true);
    expect(root.debootstrapOptions).toEqual([`--include=${BOOKWORM_SYSV.include.join(',')}`, `--unpack-tarball=${root.tarball}`]);
  }, 900_000);
});
