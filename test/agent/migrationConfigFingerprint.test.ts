// The configuration's fingerprint (host-agent/src/migration/rsyncTransfer.ts), by which a direct round
// leaves an unchanged configuration out: every change rsync would send changes it; what the round
// excludes (the markers, the console log, vdir) and the times of the directories holding them do not.
import { execFileSync } from 'node:child_process';
import { chmod, link, mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFingerprint } from '../../host-agent/src/migration/rsyncTransfer';

describe('the configuration fingerprint of a migration round', () => {
  let tree: string;

  beforeEach(async () => {
    tree = await mkdtemp('/var/tmp/vfleet-config-fingerprint-');
    await mkdir(join(tree, 'apps/init'), { recursive: true });
    await mkdir(join(tree, 'apps/vfleet'), { recursive: true });
    await mkdir(join(tree, 'vfleet'), { recursive: true });
    await writeFile(join(tree, 'context'), '431\n');
    await writeFile(join(tree, 'apps/init/mark'), 'default\n');
    await writeFile(join(tree, 'vfleet/console.log'), 'booting\n');
    await symlink('/vservers/web', join(tree, 'vdir'));
  });

  afterEach(async () => {
    await rm(tree, { recursive: true, force: true });
  });

  it('stays the same while nothing rsync sends changes, whatever happens to the excluded entries', async () => {
    const before = await configFingerprint(tree);
    expect(await configFingerprint(tree)).toBe(before);
    await writeFile(join(tree, 'apps/vfleet/migration'), '{"state":"leaving"}\n');
    await writeFile(join(tree, 'vfleet/console.log'), 'booting\nrunning\n');
    await rename(join(tree, 'vfleet/console.log'), join(tree, 'vfleet/console.log.1'));
    await rm(join(tree, 'vdir'));
    await symlink('/vservers/other', join(tree, 'vdir'));
    expect(await configFingerprint(tree)).toBe(before);
  });

  const changes: [string, (root: string) => Promise<unknown>][] = [
    ['a file\'s content (same size)', (root) => writeFile(join(root, 'context'), '432\n')],
    ['a file\'s mode', (root) => chmod(join(root, 'context'), 0o600)],
    ['a file\'s mtime alone', (root) => utimes(join(root, 'context'), new Date(1_000_000), new Date(1_000_000))],
    ['a new file', (root) => writeFile(join(root, 'apps/init/runlevel'), '3\n')],
    ['a removed file', (root) => rm(join(root, 'apps/init/mark'))],
    ['a new hard link', (root) => link(join(root, 'context'), join(root, 'context.copy'))],
    ['an xattr', async (root) => execFileSync('setfattr', ['-n', 'user.vfleet', '-v', '1', join(root, 'context')])],
    ['a new file beside the marker', (root) => writeFile(join(root, 'apps/vfleet/notes'), 'x\n')],
    ['a directory\'s mtime that holds no excluded entry', (root) => utimes(join(root, 'apps/init'), new Date(1_000_000), new Date(1_000_000))],
  ];
  for (const [what, change] of changes) {
    it(`changes with ${what}`, async () => {
      const before = await configFingerprint(tree);
      await change(tree);
      expect(await configFingerprint(tree)).not.toBe(before);
    });
  }
});
