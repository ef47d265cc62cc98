// Ansible's YAML inventory: top-level groups (usually `all`), each with `hosts` (name -> vars or
// null), `vars` and `children` (name -> group); a group may be described in several places.
import { parse } from 'yaml';
import { addInventoryHost, emptyInventory, inventoryGroup, type AnsibleInventory, type InventoryVars } from './ansibleInventory';
import { expandHostPattern } from './hostRanges';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseAnsibleYaml(content: string, file: string): AnsibleInventory {
  const inventory = emptyInventory();
  const document: unknown = parse(content);
  if (document === null || document === undefined) return inventory;
  if (!isRecord(document)) throw new Error(`${file}: an inventory is a mapping of group names`);

  const readGroup = (name: string, body: unknown, path: string): void => {
    const group = inventoryGroup(inventory, name);
    if (body === null || body === undefined) return;
    if (!isRecord(body)) throw new Error(`${file}: ${path} is not a mapping of hosts, vars and children`);
    const { hosts, vars, children } = body;
    if (isRecord(vars)) Object.assign(group.vars, vars);
    if (isRecord(hosts)) {
      for (const [pattern, hostVars] of Object.entries(hosts)) {
        if (hostVars !== null && !isRecord(hostVars)) throw new Error(`${file}: the variables of ${path}.hosts.${pattern} are not a mapping`);
        for (const host of expandHostPattern(pattern)) {
          addInventoryHost(inventory, name, host, (hostVars ?? {}) as InventoryVars, `${file}: ${path}.hosts`);
        }
      }
    }
    if (isRecord(children)) {
      for (const [child, childBody] of Object.entries(children)) {
        group.children.add(child);
        readGroup(child, childBody, `${path}.children.${child}`);
      }
    }
  };

  for (const [name, body] of Object.entries(document)) readGroup(name, body, name);
  return inventory;
}
