// Before anything is written the admin sees what an import would add and what is already there
// (same name, or same address and port); apply then adds only the new hosts.
import type { ImportPreview, ImportResult, ImportSourceKind, Host } from '../../../shared/api/hosts';
import { HostRegistryError } from '../hosts/hostRegistryError';
import type { HostRegistry } from '../hosts/hostRegistry';
import type { ImportFindings } from './importCandidates';

export function previewImport(
  source: { kind: ImportSourceKind; path: string },
  findings: ImportFindings,
  hosts: readonly Host[],
): ImportPreview {
  const preview: ImportPreview = { source, toAdd: [], existing: [], skipped: findings.skipped, warnings: findings.warnings };
  for (const candidate of findings.candidates) {
    const byName = hosts.find((host) => host.name === candidate.host.name);
    const port = candidate.host.port ?? 22;
    const byAddress = hosts.find((host) => host.address.toLowerCase() === candidate.host.address.toLowerCase() && host.port === port);
    if (byName) preview.existing.push({ ...candidate, existingName: byName.name, reason: 'same name' });
    else if (byAddress) preview.existing.push({ ...candidate, existingName: byAddress.name, reason: 'same address and port' });
    else preview.toAdd.push(candidate);
  }
  return preview;
}

/** Adds the previewed new hosts; one that became a conflict since the preview is reported, not forced. */
export async function applyImport(registry: HostRegistry, preview: ImportPreview): Promise<ImportResult> {
  const result: ImportResult = { added: [], notAdded: [] };
  for (const { host } of preview.toAdd) {
    const port = host.port ?? 22;
    const sameAddress = registry.findByAddress(host.address, port)[0];
    if (sameAddress) {
      result.notAdded.push({ name: host.name, reason: `${host.address}:${port} is already in the registry as ${sameAddress.name}` });
      continue;
    }
    try {
      await registry.add(host);
      result.added.push(host.name);
    } catch (error) {
      if (!(error instanceof HostRegistryError)) throw error;
      result.notAdded.push({ name: host.name, reason: error.message });
    }
  }
  return result;
}
