// vfleet import-ansible FILE [--apply]: hosts from an Ansible inventory, INI or YAML.
import { positional } from '../../../shared/cli/argv';
import type { VfleetCommand } from '../cliContext';
import { importHosts, IMPORT_OPTIONS } from '../hostImport';

export const importAnsibleCommand: VfleetCommand = {
  spec: { name: 'import-ansible', args: 'FILE', summary: 'Imports the hosts of an Ansible inventory (INI, or YAML by its .yml/.yaml name).', options: IMPORT_OPTIONS },
  run: async (context, args) => {
    const file = positional(args, 0, 'inventory file');
    return importHosts(context, args, /\.ya?ml$/i.test(file) ? 'ansible_yaml' : 'ansible_ini', file);
  },
};
