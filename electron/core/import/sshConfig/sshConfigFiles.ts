// Reads an ssh_config with its Include files inlined, remembering which file each Host came from.
// Match blocks are dropped here so that nothing downstream can evaluate (let alone execute) them.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { SSHConfig, LineType, type Line, type Section } from 'ssh-config';
import { expandHome } from '../importCandidates';
import { expandPathGlob } from './pathGlob';

/** OpenSSH's READCONF_MAX_DEPTH: deeper Include nesting is an error there too. */
const MAX_INCLUDE_DEPTH = 16;

export interface LoadedSshConfig {
  config: SSHConfig;
  /** The file each Host section was read from. */
  originOf: Map<Line, string>;
  files: string[];
  warnings: string[];
}

export interface SshConfigLocation {
  home: string;
  /** Where relative Include paths start: ~/.ssh for a user's config. */
  includeBase: string;
}

function valuesOf(line: Line): string[] {
  if (line.type !== LineType.DIRECTIVE) return [];
  return typeof line.value === 'string' ? [line.value] : line.value.map((part) => part.val);
}

function isSection(line: Line): line is Section {
  return line.type === LineType.DIRECTIVE && 'config' in line;
}

function isParam(line: Line, name: string): boolean {
  return line.type === LineType.DIRECTIVE && line.param.toLowerCase() === name;
}

/** Directives that make ssh-config's compute() run a program (nslookup) are left out. */
function runsNothing(line: Line): boolean {
  return !isParam(line, 'canonicalizehostname') && !isParam(line, 'canonicaldomains');
}

export async function loadSshConfig(file: string, location: SshConfigLocation): Promise<LoadedSshConfig> {
  const loaded: LoadedSshConfig = { config: new SSHConfig(), originOf: new Map(), files: [], warnings: [] };

  const includePaths = async (line: Line): Promise<string[]> => {
    const paths: string[] = [];
    for (const value of valuesOf(line)) {
      const expanded = expandHome(value, location.home);
      const absolute = isAbsolute(expanded) ? expanded : join(location.includeBase, expanded);
      paths.push(...(await expandPathGlob(absolute)));
    }
    return paths;
  };

  // Lines before the first Host of an included file belong to the section that included it.
  const readInto = async (path: string, depth: number, section: Section | undefined): Promise<void> => {
    if (depth > MAX_INCLUDE_DEPTH) throw new Error(`${path}: Include nested deeper than ${MAX_INCLUDE_DEPTH} levels`);
    loaded.files.push(path);
    const parsed = SSHConfig.parse(await readFile(path, 'utf8'));
    let current = section;
    const target = (): Line[] => current?.config ?? loaded.config;
    for (const line of parsed) {
      if (isSection(line)) {
        if (isParam(line, 'match')) {
          loaded.warnings.push(`${path}: "Match ${valuesOf(line).join(' ')}" block ignored (vfleet does not evaluate Match)`);
          continue;
        }
        const body = line.config.filter((inner) => !isParam(inner, 'include') && runsNothing(inner));
        const host: Section = { ...line, config: SSHConfig.parse('') };
        host.config.push(...body);
        loaded.config.push(host);
        loaded.originOf.set(host, path);
        current = host;
        for (const inner of line.config.filter((candidate) => isParam(candidate, 'include'))) {
          for (const included of await includePaths(inner)) await readInto(included, depth + 1, host);
        }
        continue;
      }
      if (isParam(line, 'include')) {
        for (const included of await includePaths(line)) await readInto(included, depth + 1, current);
      } else if (runsNothing(line)) {
        target().push(line);
      }
    }
  };

  await readInto(file, 0, undefined);
  return loaded;
}

export { valuesOf as sshConfigValues, isSection as isSshConfigSection };
