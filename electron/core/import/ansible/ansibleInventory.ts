// An Ansible inventory as both INI and YAML describe it: groups with hosts, host variables, group
// variables and child groups. Turning it into hosts: each host gets the variables of its groups
// (parents first, then children, then its own) and every group it belongs to as a tag.
import { addCandidate, emptyFindings, expandHome, type ImportFindings } from '../importCandidates';

export type InventoryVars = Record<string, unknown>;

export interface InventoryGroup {
  hosts: Map<string, InventoryVars>;
  children: Set<string>;
  vars: InventoryVars;
}

export interface AnsibleInventory {
  groups: Map<string, InventoryGroup>;
  /** Where each host was first named, for messages. */
  hostOrigins: Map<string, string>;
}

export function emptyInventory(): AnsibleInventory {
  return { groups: new Map(), hostOrigins: new Map() };
}

export function inventoryGroup(inventory: AnsibleInventory, name: string): InventoryGroup {
  let group = inventory.groups.get(name);
  if (!group) {
    group = { hosts: new Map(), children: new Set(), vars: {} };
    inventory.groups.set(name, group);
  }
  return group;
}

export function addInventoryHost(inventory: AnsibleInventory, group: string, host: string, vars: InventoryVars, origin: string): void {
  const hosts = inventoryGroup(inventory, group).hosts;
  hosts.set(host, { ...hosts.get(host), ...vars });
  if (!inventory.hostOrigins.has(host)) inventory.hostOrigins.set(host, origin);
}

/** Ansible's implicit groups; they are not worth a tag. */
const IMPLICIT_GROUPS = new Set(['all', 'ungrouped']);

/** The groups a host is in, directly or through child groups, with their depth below `all`. */
function groupsOfHost(inventory: AnsibleInventory, host: string): Map<string, number> {
  const parents = new Map<string, string[]>();
  for (const [name, group] of inventory.groups) {
    for (const child of group.children) parents.set(child, [...(parents.get(child) ?? []), name]);
  }
  const depthOf = (name: string, seen: Set<string>): number => {
    const above = (parents.get(name) ?? []).filter((parent) => !seen.has(parent));
    return above.length === 0 ? 0 : 1 + Math.max(...above.map((parent) => depthOf(parent, new Set([...seen, parent]))));
  };
  const result = new Map<string, number>();
  const visit = (name: string): void => {
    if (result.has(name)) return;
    result.set(name, depthOf(name, new Set([name])));
    for (const parent of parents.get(name) ?? []) visit(parent);
  };
  for (const [name, group] of inventory.groups) if (group.hosts.has(host)) visit(name);
  return result;
}

function hostVariables(inventory: AnsibleInventory, host: string, groups: Map<string, number>): InventoryVars {
  const ordered = [...groups].sort(([nameA, depthA], [nameB, depthB]) => {
    if (nameA === 'all' || nameB === 'all') return nameA === 'all' ? -1 : 1;
    return depthA - depthB || nameA.localeCompare(nameB);
  });
  const vars: InventoryVars = { ...inventory.groups.get('all')?.vars };
  for (const [name] of ordered) Object.assign(vars, inventory.groups.get(name)?.vars);
  for (const [name] of ordered) Object.assign(vars, inventory.groups.get(name)?.hosts.get(host));
  return vars;
}

function text(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && /^(true|yes|on|1)$/i.test(value)) || value === 1;
}

export interface AnsibleImportOptions {
  home: string;
  /** Ansible's default remote user: the local user. */
  localUser: string;
}

export function inventoryFindings(inventory: AnsibleInventory, options: AnsibleImportOptions): ImportFindings {
  const findings = emptyFindings();
  for (const [host, origin] of inventory.hostOrigins) {
    const groups = groupsOfHost(inventory, host);
    const vars = hostVariables(inventory, host, groups);
    const keyFile = text(vars.ansible_ssh_private_key_file ?? vars.ansible_private_key_file);
    const port = text(vars.ansible_port ?? vars.ansible_ssh_port);
    const user = text(vars.ansible_user ?? vars.ansible_ssh_user) ?? options.localUser;
    addCandidate(
      findings,
      {
        name: host,
        address: text(vars.ansible_host ?? vars.ansible_ssh_host) ?? host,
        port: port === undefined ? 22 : Number(port),
        user,
        auth: keyFile ? { kind: 'keyFile', keyPath: expandHome(keyFile, options.home), hasPassphrase: false } : { kind: 'agent' },
        tags: [...groups.keys()].filter((group) => !IMPLICIT_GROUPS.has(group)).sort(),
        // Only an explicit ansible_become decides; without it the registry's default (sudo unless root) applies.
        sudo: vars.ansible_become === undefined ? undefined : isTrue(vars.ansible_become) && user !== 'root',
      },
      host,
      origin,
    );
  }
  return findings;
}
