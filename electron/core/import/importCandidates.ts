// What every import source produces before the registry is consulted: hosts to add, entries that
// cannot become hosts, and warnings for the admin.
import { hostInputSchema, sudoFor, type ImportCandidate } from '../../../shared/api/hosts';
import { describeIssues } from '../../../shared/protocol/checked';

export interface ImportFindings {
  candidates: ImportCandidate[];
  skipped: { entry: string; origin: string; reason: string }[];
  warnings: string[];
}

export function emptyFindings(): ImportFindings {
  return { candidates: [], skipped: [], warnings: [] };
}

/**
 * Validates a found host and keeps it, unless an earlier entry of the same source already
 * reaches the same user@address:port (ssh aliases of one machine) or uses the same name.
 */
export function addCandidate(findings: ImportFindings, host: unknown, entry: string, origin: string): void {
  const parsed = hostInputSchema.omit({ password: true, passphrase: true }).safeParse(host);
  if (!parsed.success) {
    findings.skipped.push({ entry, origin, reason: describeIssues(parsed.error) });
    return;
  }
  const found = { ...parsed.data, sudo: sudoFor(parsed.data.user, parsed.data.sudo) };
  const twin = findings.candidates.find(
    ({ host: other }) =>
      other.name === found.name ||
      (other.address.toLowerCase() === found.address.toLowerCase() && other.port === found.port && other.user === found.user),
  );
  if (twin) {
    findings.skipped.push({ entry, origin, reason: `the same host as ${twin.host.name} (${twin.origin})` });
    return;
  }
  findings.candidates.push({ host: found, origin });
}

/** Expands "~" and "~/" at the start of a path to the home directory. */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? `${home}${path.slice(1)}` : path;
}
