// A small getopt for the agent's util-vserver style command lines: options with values may repeat,
// `--` ends options, and anything unknown is a usage error naming the option.
export interface ParsedArgs {
  positionals: string[];
  values: Map<string, string[]>;
  flags: Set<string>;
  /** Words after `--`. */
  rest: string[];
}

export interface OptionSpec {
  /** Options that take a value, by every spelling (e.g. ['-m', '--method']) mapped to one key. */
  values: Record<string, string>;
  /** Options without a value, mapped to one key. */
  flags: Record<string, string>;
  /** Stop at the first positional after this many (exec NAME CMD... without "--"). */
  stopAfterPositionals?: number;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: string[], spec: OptionSpec): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], values: new Map(), flags: new Set(), rest: [] };
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index] ?? '';
    if (word === '--') {
      parsed.rest = argv.slice(index + 1);
      break;
    }
    if (spec.stopAfterPositionals !== undefined && parsed.positionals.length >= spec.stopAfterPositionals && !word.startsWith('-')) {
      parsed.rest = argv.slice(index);
      break;
    }
    const equals = word.startsWith('--') ? word.indexOf('=') : -1;
    const name = equals > 0 ? word.slice(0, equals) : word;
    const valueKey = spec.values[name];
    const flagKey = spec.flags[name];
    if (valueKey !== undefined) {
      const value = equals > 0 ? word.slice(equals + 1) : argv[++index];
      if (value === undefined) throw new UsageError(`option ${name} needs a value`);
      parsed.values.set(valueKey, [...(parsed.values.get(valueKey) ?? []), value]);
    } else if (flagKey !== undefined) {
      parsed.flags.add(flagKey);
    } else if (word.startsWith('-') && word !== '-') {
      throw new UsageError(`unknown option ${name}`);
    } else {
      parsed.positionals.push(word);
    }
  }
  return parsed;
}

export function lastValue(args: ParsedArgs, key: string): string | undefined {
  return args.values.get(key)?.at(-1);
}

export function allValues(args: ParsedArgs, key: string): string[] {
  return args.values.get(key) ?? [];
}
