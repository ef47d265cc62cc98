// bcapabilities, ccapabilities and cflags lines as util-vserver reads them (lib/listparser.hc):
// each line may hold a comma list, "!" or "~" negates an item.
import {
  SECURE_BCAPABILITIES, normaliseCapability, normaliseContextCapability, normaliseContextFlag,
} from '../../../shared/validation';

interface ListChange {
  added: string[];
  removed: string[];
}

function splitItems(lines: string[], normalise: (name: string) => string | undefined): ListChange {
  const added: string[] = [];
  const removed: string[] = [];
  for (const item of lines.flatMap((line) => line.split(','))) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const negated = trimmed.startsWith('!') || trimmed.startsWith('~');
    const name = normalise(negated ? trimmed.slice(1) : trimmed);
    if (name === undefined) continue;
    (negated ? removed : added).push(name);
  }
  return { added, removed };
}

function applyChange(base: readonly string[], change: ListChange): string[] {
  const result = new Set(base);
  for (const name of change.added) result.add(name);
  for (const name of change.removed) result.delete(name);
  return [...result].sort();
}

/**
 * The bounding set a bcapabilities file describes: util-vserver starts from its secure default
 * and the file adds to or (with "!") subtracts from it.
 */
export function boundingSetFromLines(lines: string[]): string[] {
  return applyChange(SECURE_BCAPABILITIES, splitItems(lines, normaliseCapability));
}

/** The bcapabilities lines that describe a bounding set relative to the secure default. */
export function linesFromBoundingSet(boundingSet: readonly string[]): string[] {
  const wanted = new Set(boundingSet);
  const added = [...wanted].filter((name) => !(SECURE_BCAPABILITIES as string[]).includes(name)).sort();
  const removed = SECURE_BCAPABILITIES.filter((name) => !wanted.has(name)).map((name) => `!${name}`);
  return [...added, ...removed];
}

export function contextCapabilitiesFromLines(lines: string[]): string[] {
  return applyChange([], splitItems(lines, normaliseContextCapability));
}

export function contextFlagsFromLines(lines: string[]): string[] {
  return applyChange([], splitItems(lines, normaliseContextFlag));
}
