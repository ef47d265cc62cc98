// Ansible's INI inventory. Not plain INI, so the `ini` package does not fit: a host line is
// "name key=value key='quoted value'" (ini would read "name key" as one key), [group:children]
// lists bare names, and values are Python-like literals. This small parser follows Ansible's
// own (plugins/inventory/ini.py) for the parts vfleet uses.
import { addInventoryHost, emptyInventory, inventoryGroup, type AnsibleInventory, type InventoryVars } from './ansibleInventory';
import { expandHostPattern } from './hostRanges';

/** Splits a line like a shell would (quotes group, backslash escapes); an unquoted # ends it. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: string | undefined;
  let started = false;
  for (let index = 0; index < line.length; index++) {
    const character = line.charAt(index);
    if (quote) {
      if (character === quote) quote = undefined;
      else if (character === '\\' && quote === '"' && index + 1 < line.length) current += line.charAt(++index);
      else current += character;
    } else if (character === '"' || character === "'") {
      quote = character;
      started = true;
    } else if (/\s/.test(character)) {
      if (started) tokens.push(current);
      current = '';
      started = false;
    } else if (character === '#' && !started) {
      break;
    } else {
      current += character;
      started = true;
    }
  }
  if (quote) throw new Error('a quote is not closed');
  if (started) tokens.push(current);
  return tokens;
}

/** Ansible reads unquoted INI values as Python literals: numbers and True/False become typed. */
function literal(value: string): unknown {
  if (/^-?\d+$/.test(value)) return Number(value);
  if (value === 'True' || value === 'true') return true;
  if (value === 'False' || value === 'false') return false;
  return value;
}

function keyValue(token: string, origin: string): [string, unknown] {
  const equals = token.indexOf('=');
  if (equals <= 0) throw new Error(`${origin}: "${token}" is not key=value`);
  return [token.slice(0, equals), literal(token.slice(equals + 1))];
}

/** "host:port" in a host line (not an IPv6 address) sets ansible_port. */
function splitHostPort(pattern: string): { host: string; port?: number } {
  const match = /^([^:]+):(\d+)$/.exec(pattern);
  return match?.[1] && match[2] ? { host: match[1], port: Number(match[2]) } : { host: pattern };
}

export function parseAnsibleIni(content: string, file: string): AnsibleInventory {
  const inventory = emptyInventory();
  let group = 'ungrouped';
  let kind: 'hosts' | 'vars' | 'children' = 'hosts';
  content.split('\n').forEach((rawLine, index) => {
    const origin = `${file}:${index + 1}`;
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([^\]:]+)(?::(vars|children))?\]$/.exec(line);
    if (header?.[1]) {
      group = header[1];
      kind = header[2] === 'vars' ? 'vars' : header[2] === 'children' ? 'children' : 'hosts';
      inventoryGroup(inventory, group);
      return;
    }
    if (line.startsWith('[')) throw new Error(`${origin}: "${line}" is not a section header`);
    if (kind === 'vars') {
      const equals = line.indexOf('=');
      if (equals <= 0) throw new Error(`${origin}: "${line}" is not key=value`);
      const value = line.slice(equals + 1).trim();
      const unquoted = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : literal(value);
      inventoryGroup(inventory, group).vars[line.slice(0, equals).trim()] = unquoted;
      return;
    }
    const [first, ...rest] = tokenize(line);
    if (first === undefined) return;
    if (kind === 'children') {
      inventoryGroup(inventory, first);
      inventoryGroup(inventory, group).children.add(first);
      return;
    }
    const vars: InventoryVars = Object.fromEntries(rest.map((token) => keyValue(token, origin)));
    const { host: pattern, port } = splitHostPort(first);
    for (const host of expandHostPattern(pattern)) {
      addInventoryHost(inventory, group, host, port === undefined ? vars : { ansible_port: port, ...vars }, origin);
    }
  });
  return inventory;
}
