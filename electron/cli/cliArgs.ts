// A small argv parser for the vfleet CLI: positionals, --name value options (repeatable ones
// collect a list), boolean flags, and everything after "--" as a command to run.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  positional: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
  /** Words after "--". */
  command: string[];
}

export interface ArgSpec {
  /** Options that take a value. */
  values?: readonly string[];
  flags?: readonly string[];
}

export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  const values = new Set(spec.values ?? []);
  const flags = new Set(spec.flags ?? []);
  const parsed: ParsedArgs = { positional: [], options: new Map(), flags: new Set(), command: [] };
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index] ?? '';
    if (word === '--') {
      parsed.command = argv.slice(index + 1);
      break;
    }
    if (!word.startsWith('--') || word === '-') {
      parsed.positional.push(word);
      continue;
    }
    const [name = '', inline] = word.split(/=(.*)/s, 2);
    if (values.has(name)) {
      const value = inline ?? argv[++index];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      parsed.options.set(name, [...(parsed.options.get(name) ?? []), value]);
    } else if (flags.has(name) && inline === undefined) {
      parsed.flags.add(name);
    } else {
      throw new UsageError(`unknown option ${name}`);
    }
  }
  return parsed;
}

export function option(args: ParsedArgs, name: string): string | undefined {
  return args.options.get(name)?.at(-1);
}

/** A comma-separated or repeated option as one list. */
export function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const raw = args.options.get(name);
  return raw ? raw.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean) : undefined;
}

export function numberOption(args: ParsedArgs, name: string): number | undefined {
  const raw = option(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new UsageError(`${name} takes a number, not "${raw}"`);
  return value;
}

export function positional(args: ParsedArgs, index: number, what: string): string {
  const value = args.positional[index];
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}
