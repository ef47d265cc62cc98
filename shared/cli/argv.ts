// The one argv parser of vfleet-agent, vfleet and the lab CLI: each command declares its options
// once, and the same declaration parses its words and prints its --help. Options with values may
// repeat, `--` ends options, and an option the command does not declare is a usage error.

export interface OptionDef {
  /** The spelling shown in help, e.g. '--xid'; its key in the parse result drops the dashes ('xid'). */
  name: string;
  /** Other accepted spellings, e.g. ['--context'] (util-vserver's) or ['-m']. */
  aliases?: readonly string[];
  /** The name help shows for the option's value (e.g. 'XID'); absent for a flag. */
  value?: string;
  help: string;
}

export interface CommandSpec {
  /** The command words, e.g. 'limit' or 'guest limit'. */
  name: string;
  /** Positional words in help, e.g. 'HOST GUEST'. */
  args?: string;
  summary: string;
  options: readonly OptionDef[];
  /** Stop at the first positional after this many (exec NAME CMD... without "--"). */
  stopAfterPositionals?: number;
}

export interface ParsedArgv {
  positionals: string[];
  /** Values by option key (the name without dashes), in the order given. */
  values: Map<string, string[]>;
  flags: Set<string>;
  /** Words after `--`, or from the positional that stopped the parse. */
  rest: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const HELP_OPTION: OptionDef = { name: '--help', aliases: ['-h'], help: 'show this help' };
export const JSON_OPTION: OptionDef = { name: '--json', help: 'print JSON instead of text' };

export function optionKey(option: OptionDef): string {
  return option.name.replace(/^-+/, '');
}

function spellings(options: readonly OptionDef[]): Map<string, OptionDef> {
  const bySpelling = new Map<string, OptionDef>();
  for (const option of options) for (const spelling of [option.name, ...(option.aliases ?? [])]) bySpelling.set(spelling, option);
  return bySpelling;
}

/** A word that is data, not an option: '-' (stdin) and negative numbers. */
function isPlainWord(word: string): boolean {
  return !word.startsWith('-') || word === '-' || /^-\d/.test(word);
}

export function parseArgv(argv: readonly string[], spec: Pick<CommandSpec, 'name' | 'options' | 'stopAfterPositionals'>): ParsedArgv {
  const bySpelling = spellings(spec.options);
  const parsed: ParsedArgv = { positionals: [], values: new Map(), flags: new Set(), rest: [] };
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index] ?? '';
    if (word === '--') {
      parsed.rest = argv.slice(index + 1);
      break;
    }
    if (isPlainWord(word)) {
      if (spec.stopAfterPositionals !== undefined && parsed.positionals.length >= spec.stopAfterPositionals) {
        parsed.rest = argv.slice(index);
        break;
      }
      parsed.positionals.push(word);
      continue;
    }
    const equals = word.startsWith('--') ? word.indexOf('=') : -1;
    const spelling = equals > 0 ? word.slice(0, equals) : word;
    const option = bySpelling.get(spelling);
    const where = spec.name ? ` of ${spec.name}` : '';
    if (!option) throw new UsageError(`unknown option ${spelling}${where} (see ${spec.name ? `${spec.name} ` : ''}--help)`);
    const key = optionKey(option);
    if (option.value === undefined) {
      if (equals > 0) throw new UsageError(`option ${spelling} takes no value`);
      parsed.flags.add(key);
      continue;
    }
    const value = equals > 0 ? word.slice(equals + 1) : argv[++index];
    if (value === undefined) throw new UsageError(`option ${spelling} needs a value (${option.value})`);
    parsed.values.set(key, [...(parsed.values.get(key) ?? []), value]);
  }
  return parsed;
}

export function lastValue(args: ParsedArgv, key: string): string | undefined {
  return args.values.get(key)?.at(-1);
}

export function allValues(args: ParsedArgv, key: string): string[] {
  return args.values.get(key) ?? [];
}

/** A comma-separated or repeated option as one list. */
export function listValue(args: ParsedArgv, key: string): string[] | undefined {
  const raw = args.values.get(key);
  return raw ? raw.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean) : undefined;
}

export function numberValue(args: ParsedArgv, key: string): number | undefined {
  const text = lastValue(args, key);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${key} takes a number, not '${text}'`);
  return value;
}

export function positional(args: ParsedArgv, index: number, what: string): string {
  const value = args.positionals[index];
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}

function optionSynopsis(option: OptionDef): string {
  return option.value === undefined ? option.name : `${option.name} ${option.value}`;
}

/** One line for a program's command list: `limit NAME [--memory SIZE] ...`. */
export function commandSynopsis(spec: CommandSpec): string {
  const args = spec.args ?? '';
  // Words after "--" come last, behind the options.
  const split = args.search(/(?:^| )\[?--[\] ]/);
  const [before, after] = split < 0 ? [args, ''] : [args.slice(0, split), args.slice(split)];
  return [spec.name, before, ...spec.options.map((option) => `[${optionSynopsis(option)}]`), after.trim()].filter(Boolean).join(' ');
}

/** A command's --help: usage line, what it does, one line per option with its other spellings. */
export function commandHelp(program: string, spec: CommandSpec): string {
  const rows = spec.options.map((option) => {
    const aliases = option.aliases?.length ? ` (also ${option.aliases.join(', ')})` : '';
    return [optionSynopsis(option), `${option.help}${aliases}`] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return [
    `usage: ${program} ${[spec.name, spec.args, spec.options.length > 0 ? '[options]' : ''].filter(Boolean).join(' ')}`,
    spec.summary,
    ...(rows.length > 0 ? ['options:', ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`)] : []),
    '',
  ].join('\n');
}

/** util-vserver's negation in repeated or comma-separated values: "~NAME" or "!NAME" removes, "NAME" adds. */
export function negatedList(words: readonly string[]): { add: string[]; drop: string[] } {
  const add: string[] = [];
  const drop: string[] = [];
  for (const word of words.flatMap((item) => item.split(',')).map((item) => item.trim())) {
    if (word.startsWith('~') || word.startsWith('!')) drop.push(word.slice(1));
    else if (word) add.push(word);
  }
  return { add, drop };
}
