// bcapabilities, ccapabilities and cflags lines as util-vserver reads them (lib/listparser.hc):
// each line may hold a comma list, "!" or "~" negates an item, and each file changes the
// defaults util-vserver applies at every start (`vattribute --secure --flag default`).
import {
  DEFAULT_CFLAGS, SECURE_BCAPABILITIES, SECURE_CCAPABILITIES, normaliseCapability, normaliseContextCapability, normaliseContextFlag,
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

/** A list file's meaning: util-vserver starts from `base` and the file adds to or (with "!") subtracts from it. */
function listFromLines(base: readonly string[], lines: string[], normalise: (name: string) => string | undefined): string[] {
  return applyChange(base, splitItems(lines, normalise));
}

/** The lines that describe `list` relative to `base`, as util-vserver would read them back. */
function linesFromList(base: readonly string[], list: readonly string[]): string[] {
  const wanted = new Set(list);
  const added = [...wanted].filter((name) => !base.includes(name)).sort();
  const removed = base.filter((name) => !wanted.has(name)).map((name) => `!${name}`);
  return [...added, ...removed];
}

export const boundingSetFromLines = (lines: string[]): string[] => listFromLines(SECURE_BCAPABILITIES, lines, normaliseCapability);
export const linesFromBoundingSet = (boundingSet: readonly string[]): string[] => linesFromList(SECURE_BCAPABILITIES, boundingSet);
export const contextCapabilitiesFromLines = (lines: string[]): string[] => listFromLines(SECURE_CCAPABILITIES, lines, normaliseContextCapability);
export const linesFromContextCapabilities = (list: readonly string[]): string[] => linesFromList(SECURE_CCAPABILITIES, list);
export const contextFlagsFromLines = (lines: string[]): string[] => listFromLines(DEFAULT_CFLAGS, lines, normaliseContextFlag);
export const linesFromContextFlags = (list: readonly string[]): string[] => linesFromList(DEFAULT_CFLAGS, list);
