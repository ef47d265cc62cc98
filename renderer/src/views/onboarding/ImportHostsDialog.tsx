// Import hosts from an OpenSSH client configuration (this user's ~/.ssh/config prefilled) or an
// Ansible inventory (INI or YAML), by typed path (the desktop preload offers no file dialog): the
// core's preview as a table with a checkbox per host to add, the hosts already registered and how
// they differ, the groups that become tags, the entries skipped and why; apply imports the checked.
import { useEffect, useState } from 'react';
import type { Host, ImportPreview, ImportResult, ImportSourceKind } from '../../../../shared/api/hosts';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { ColumnHeads } from '../../widgets/ColumnHeads';
import { Dialog } from '../../widgets/Dialog';
import { FailureNotice, SuccessNotice } from '../../widgets/Notice';

const KINDS: Record<ImportSourceKind, string> = { ssh_config: 'OpenSSH client configuration', ansible_ini: 'Ansible inventory (INI)', ansible_yaml: 'Ansible inventory (YAML)' };

type Candidate = ImportPreview['toAdd'][number]['host'];

function target(host: Candidate | Host): string {
  return `${host.user ?? 'root'}@${host.address}:${host.port ?? 22}`;
}

/** What an import would change of a registered host, were it re-added: the fields that differ. */
function differences(candidate: Candidate, existing: Host | undefined): string {
  if (!existing) return '';
  const changes: string[] = [];
  if (candidate.address !== existing.address) changes.push(`address ${existing.address} → ${candidate.address}`);
  if ((candidate.port ?? 22) !== existing.port) changes.push(`port ${existing.port} → ${candidate.port ?? 22}`);
  if ((candidate.user ?? 'root') !== existing.user) changes.push(`user ${existing.user} → ${candidate.user ?? 'root'}`);
  const tags = candidate.tags ?? [];
  if (tags.join(',') !== existing.tags.join(',')) changes.push(`tags ${existing.tags.join(', ') || '–'} → ${tags.join(', ') || '–'}`);
  if ((candidate.jump ?? '') !== (existing.jump ?? '')) changes.push(`jump ${existing.jump ?? '–'} → ${candidate.jump ?? '–'}`);
  return changes.length > 0 ? `differs: ${changes.join('; ')}` : 'the same';
}

export function ImportHostsDialog({ onClose }: { onClose: () => void }) {
  const services = useServices();
  const [kind, setKind] = useState<ImportSourceKind>('ssh_config');
  const [filePath, setFilePath] = useState('');
  const [sshConfigPath, setSshConfigPath] = useState<string | undefined>();
  const [preview, setPreview] = useState<ImportPreview | undefined>();
  const [registry, setRegistry] = useState<Host[]>([]);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [result, setResult] = useState<ImportResult | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    services.client.call('hosts.defaults', {}).then((defaults) => {
      setSshConfigPath(defaults.sshConfigPath);
      setFilePath((current) => (current === '' ? defaults.sshConfigPath : current));
    }, (error: unknown) => setFailure(describeFailure('read the default ssh configuration path', error)));
  }, [services.client]);

  const load = async (): Promise<void> => {
    if (filePath.trim() === '') {
      setFailure({ title: 'Nothing to preview', message: 'Type the path of the file to import.', hint: 'It is read by the core, on this workstation.' });
      return;
    }
    setBusy(true);
    setFailure(undefined);
    setResult(undefined);
    try {
      const [next, hosts] = await Promise.all([services.client.call('hosts.importPreview', { kind, path: filePath.trim() }), services.client.call('hosts.list', {})]);
      setPreview(next);
      setRegistry(hosts);
      setChecked(new Set(next.toAdd.map((candidate) => candidate.host.name)));
    } catch (error) {
      setPreview(undefined);
      setFailure(describeFailure(`preview ${filePath.trim()}`, error));
    }
    setBusy(false);
  };

  const apply = async (): Promise<void> => {
    if (!preview || checked.size === 0) return;
    setBusy(true);
    setFailure(undefined);
    const names = preview.toAdd.map((candidate) => candidate.host.name).filter((name) => checked.has(name));
    const operation = services.operations.start(`Import ${names.length} host${names.length === 1 ? '' : 's'} from ${preview.source.path}`);
    try {
      const applied = await services.client.call('hosts.importApply', { kind: preview.source.kind, path: preview.source.path, names });
      operation.succeed();
      setResult(applied);
      setPreview(undefined);
    } catch (error) {
      operation.fail(error);
      setFailure(describeFailure(`import from ${preview.source.path}`, error));
    }
    setBusy(false);
  };

  const toggle = (name: string, on: boolean): void => setChecked((current) => {
    const next = new Set(current);
    if (on) next.add(name);
    else next.delete(name);
    return next;
  });

  return (
    <Dialog title="Import hosts" onClose={onClose} className="dialog-wide">
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          void load();
        }}
      >
        <select aria-label="Source kind" value={kind} disabled={busy} onChange={(event) => {
          const next = event.target.value as ImportSourceKind;
          setKind(next);
          if (next === 'ssh_config' && sshConfigPath && filePath === '') setFilePath(sshConfigPath);
          if (next !== 'ssh_config' && filePath === sshConfigPath) setFilePath('');
          setPreview(undefined);
        }}>
          {Object.entries(KINDS).map(([value, label]) => <option key={value} value={value}>{label}</option>)}
        </select>
        <input aria-label="File to import" className="mono grow" value={filePath} disabled={busy} placeholder={kind === 'ssh_config' ? '~/.ssh/config' : '/etc/ansible/hosts'} onChange={(event) => setFilePath(event.target.value)} />
        <button type="submit" disabled={busy}>Preview</button>
      </form>
      <p className="muted small">The path is read by the core on this workstation; type it (no file picker yet).</p>
      {failure ? <FailureNotice failure={failure} onDismiss={() => setFailure(undefined)} /> : null}
      {result ? (
        <SuccessNotice>
          {result.added.length > 0 ? `Added ${result.added.join(', ')}.` : 'Nothing was added.'}
          {result.notAdded.length > 0 ? ` Not added: ${result.notAdded.map((entry) => `${entry.name} (${entry.reason})`).join('; ')}.` : ''}
          {result.added.length > 0 ? ' Connect them from the overview; their keys then wait for approval.' : ''}
        </SuccessNotice>
      ) : null}
      {preview ? (
        <section aria-label="Import preview" className="scroll-box tall">
          {preview.warnings.map((warning) => <p key={warning} className="notice notice-warn">{warning}</p>)}
          <p role="status">{preview.toAdd.length} to add, {preview.existing.length} already registered, {preview.skipped.length} skipped, from <code>{preview.source.path}</code></p>
          <table className="table table-dense">
            <caption className="visually-hidden">Hosts found in {preview.source.path}</caption>
            <ColumnHeads columns={['', 'Host', 'Target', 'Tags (from groups)', 'What happens', 'From']} />
            <tbody>
              {preview.toAdd.map(({ host, origin }) => (
                <tr key={`add:${host.name}`}>
                  <td className="select">
                    <input type="checkbox" aria-label={`Import ${host.name}`} checked={checked.has(host.name)} disabled={busy} onChange={(event) => toggle(host.name, event.target.checked)} />
                  </td>
                  <th scope="row">{host.name}</th>
                  <td className="mono">{target(host)}{host.jump ? ` via ${host.jump}` : ''}</td>
                  <td>{host.tags?.join(', ') || '–'}</td>
                  <td>{checked.has(host.name) ? 'added' : 'left out'}</td>
                  <td className="mono small">{origin}</td>
                </tr>
              ))}
              {preview.existing.map(({ host, origin, existingName, reason }) => (
                <tr key={`existing:${host.name}`} className="row-down">
                  <td className="select" />
                  <th scope="row">{host.name}</th>
                  <td className="mono">{target(host)}</td>
                  <td>{host.tags?.join(', ') || '–'}</td>
                  <td>exists as {existingName} ({reason}); {differences(host, registry.find((entry) => entry.name === existingName))}; not changed</td>
                  <td className="mono small">{origin}</td>
                </tr>
              ))}
              {preview.skipped.map(({ entry, origin, reason }) => (
                <tr key={`skipped:${origin}:${entry}`} className="row-down">
                  <td className="select" />
                  <th scope="row">{entry}</th>
                  <td colSpan={2} />
                  <td>skipped: {reason}</td>
                  <td className="mono small">{origin}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <div className="toolbar wizard-actions">
        {preview ? <button type="button" className="primary" disabled={busy || checked.size === 0} onClick={() => void apply()}>Import {checked.size} checked host{checked.size === 1 ? '' : 's'}</button> : null}
        <button type="button" onClick={onClose}>Close</button>
      </div>
    </Dialog>
  );
}
