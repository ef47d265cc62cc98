// vfleet import-ssh-config [FILE] [--apply]: hosts from an OpenSSH client configuration.
import { homedir } from 'node:os';
import path from 'node:path';
import type { VfleetCommand } from '../cliContext';
import { importHosts, IMPORT_OPTIONS } from '../hostImport';

export const importSshConfigCommand: VfleetCommand = {
  spec: { name: 'import-ssh-config', args: '[FILE]', summary: 'Imports the hosts of an ssh_config (default ~/.ssh/config).', options: IMPORT_OPTIONS },
  run: async (context, args) => importHosts(context, args, 'ssh_config', args.positionals[0] ?? path.join(homedir(), '.ssh', 'config')),
};
