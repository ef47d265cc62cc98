// Expands the * and ? wildcards of an Include path the way glob(3) does for ssh: per path
// component, sorted, hidden files only when the pattern asks for them.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { wildcardRegExp } from '../../hosts/wildcardPattern';

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((info) => info.isDirectory(), () => false);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Absolute pattern in, matching existing paths out (none when nothing matches, like ssh). */
export async function expandPathGlob(pattern: string): Promise<string[]> {
  const components = pattern.split('/').filter((component) => component !== '');
  let matches = ['/'];
  for (const [index, component] of components.entries()) {
    const last = index === components.length - 1;
    const next: string[] = [];
    for (const base of matches) {
      if (!/[*?]/.test(component)) {
        const path = join(base, component);
        if (await exists(path)) next.push(path);
        continue;
      }
      if (!(await isDirectory(base))) continue;
      const matcher = wildcardRegExp(component, { anyCharacter: '[^/]' });
      const names = (await readdir(base)).filter((name) => matcher.test(name) && (component.startsWith('.') || !name.startsWith('.')));
      for (const name of names.sort()) {
        const path = join(base, name);
        if (last || (await isDirectory(path))) next.push(path);
      }
    }
    matches = next;
  }
  return matches;
}
