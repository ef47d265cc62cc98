// The import entry points the API and the CLI call: read a source, preview against the registry.
import type { ImportPreview } from '../../../shared/api/hosts';
import type { HostRegistry } from '../hosts/hostRegistry';
import { findAnsibleHosts, type AnsibleFormat } from './ansible/ansibleImport';
import { previewImport } from './importPreview';
import { findSshConfigHosts, type SshConfigImportOptions } from './sshConfig/sshConfigImport';

export { applyImport } from './importPreview';

export async function previewSshConfigImport(
  registry: HostRegistry,
  file: string,
  options: SshConfigImportOptions = {},
): Promise<ImportPreview> {
  const findings = await findSshConfigHosts(file, options);
  return previewImport({ kind: 'ssh_config', path: file }, findings, registry.list());
}

export async function previewAnsibleImport(
  registry: HostRegistry,
  file: string,
  options: { home?: string; localUser?: string; format?: AnsibleFormat } = {},
): Promise<ImportPreview> {
  const findings = await findAnsibleHosts(file, options);
  return previewImport({ kind: findings.format, path: file }, findings, registry.list());
}
