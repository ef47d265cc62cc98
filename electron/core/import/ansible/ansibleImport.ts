// Hosts from an Ansible inventory file, INI or YAML (chosen by the file's extension or content).
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import type { ImportSourceKind } from '../../../../shared/api/hosts';
import type { ImportFindings } from '../importCandidates';
import { inventoryFindings } from './ansibleInventory';
import { parseAnsibleIni } from './ansibleIni';
import { parseAnsibleYaml } from './ansibleYaml';

export type AnsibleFormat = Extract<ImportSourceKind, 'ansible_ini' | 'ansible_yaml'>;

export function ansibleFormatOf(file: string, content: string): AnsibleFormat {
  if (/\.ya?ml$/i.test(file)) return 'ansible_yaml';
  if (/\.(ini|cfg)$/i.test(file)) return 'ansible_ini';
  // Without an extension (hosts, inventory): YAML starts with a top-level "name:" key.
  const firstLine = content.split('\n').find((line) => line.trim() !== '' && !line.trim().startsWith('#')) ?? '';
  return /^(---|[A-Za-z0-9_-]+:\s*$)/.test(firstLine) ? 'ansible_yaml' : 'ansible_ini';
}

export interface AnsibleFileFindings extends ImportFindings {
  format: AnsibleFormat;
}

export async function findAnsibleHosts(
  file: string,
  options: { home?: string; localUser?: string; format?: AnsibleFormat } = {},
): Promise<AnsibleFileFindings> {
  const content = await readFile(file, 'utf8');
  const format = options.format ?? ansibleFormatOf(file, content);
  let inventory;
  try {
    inventory = format === 'ansible_yaml' ? parseAnsibleYaml(content, file) : parseAnsibleIni(content, file);
  } catch (error) {
    throw new Error(`The Ansible inventory ${file} cannot be read: ${(error as Error).message}`);
  }
  const findings = inventoryFindings(inventory, { home: options.home ?? homedir(), localUser: options.localUser ?? userInfo().username });
  return { ...findings, format };
}
