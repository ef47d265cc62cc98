// Paths that reach the host's filesystem from the wire or the CLI (template sources, rsync
// sources, working directories): absolute, no "..", no characters a shell would interpret.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';

export const SHELL_METACHARACTERS = /[;&|`$<>(){}[\]*?!~'"\\\s#]/;

export function hasTraversal(path: string): boolean {
  return path.split('/').some((segment) => segment === '..');
}

export const safePathSchema = z
  .string()
  .min(1, 'a path must not be empty')
  .max(4096, 'a path has at most 4096 characters')
  .refine((path) => path.startsWith('/'), 'a path must be absolute (start with "/")')
  .refine((path) => !hasTraversal(path), 'a path must not contain ".." segments')
  .refine((path) => ![...path].some((character) => character.charCodeAt(0) < 32 || character.charCodeAt(0) === 127), 'a path must not contain control characters')
  .refine((path) => !SHELL_METACHARACTERS.test(path), 'a path must not contain spaces or shell metacharacters');

/** An rsync source: a local safe path, or HOST:PATH with a plain host name. */
export const rsyncSourceSchema = z.union([
  safePathSchema,
  z
    .string()
    .max(4096)
    .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*:\/[^\s]*$/, 'an rsync source is /PATH or HOST:/PATH')
    .refine((source) => {
      const path = source.slice(source.indexOf(':') + 1);
      return safePathSchema.safeParse(path).success;
    }, 'the path of an rsync source must be absolute, without ".." or shell metacharacters'),
]);
