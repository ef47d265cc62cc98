// Hosts from an OpenSSH client config: every concrete Host alias (not wildcard-only, not negated)
// with its HostName, User, Port, first IdentityFile and ProxyJump as ssh would compute them.
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { Host } from '../../../../shared/api/hosts';
import { addCandidate, emptyFindings, expandHome, type ImportFindings } from '../importCandidates';
import { loadSshConfig, sshConfigValues, isSshConfigSection } from './sshConfigFiles';

export interface SshConfigImportOptions {
  home?: string;
  /** Where relative Include paths start; ~/.ssh by default. */
  includeBase?: string;
  /** ssh's default login: the local user. */
  localUser?: string;
}

function isConcreteAlias(pattern: string): boolean {
  return !/[*?]/.test(pattern) && !pattern.startsWith('!');
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** ssh_config(5) TOKENS that make sense without a connection: %h %r %u %d %%. */
function expandTokens(text: string, tokens: { h: string; r: string; u: string; d: string }): string {
  return text.replace(/%([hrud%])/g, (_match, token: string) => (token === '%' ? '%' : tokens[token as 'h' | 'r' | 'u' | 'd']));
}

export async function findSshConfigHosts(file: string, options: SshConfigImportOptions = {}): Promise<ImportFindings> {
  const home = options.home ?? homedir();
  const localUser = options.localUser ?? userInfo().username;
  const loaded = await loadSshConfig(file, { home, includeBase: options.includeBase ?? join(home, '.ssh') });
  const findings = emptyFindings();
  findings.warnings.push(...loaded.warnings);

  for (const line of loaded.config) {
    if (!isSshConfigSection(line)) continue;
    const origin = loaded.originOf.get(line) ?? file;
    const patterns = sshConfigValues(line);
    const aliases = patterns.filter(isConcreteAlias);
    if (aliases.length === 0) {
      findings.skipped.push({ entry: `Host ${patterns.join(' ')}`, origin, reason: 'wildcard-only entries are defaults, not hosts' });
      continue;
    }
    for (const alias of aliases) {
      const computed = loaded.config.compute(alias, { ignoreCase: true, matchExec: false });
      const user = first(computed.user) ?? localUser;
      const address = expandTokens(first(computed.hostname) ?? alias, { h: alias, r: user, u: localUser, d: home });
      const tokens = { h: address, r: user, u: localUser, d: home };
      const identity = first(computed.identityfile);
      const keyPath = identity === undefined ? undefined : expandHome(expandTokens(identity, tokens), home);
      const host: Partial<Host> = {
        name: alias,
        address,
        port: Number(first(computed.port) ?? 22),
        user,
        auth: keyPath
          ? { kind: 'keyFile', keyPath: isAbsolute(keyPath) ? keyPath : join(home, keyPath), hasPassphrase: false }
          : { kind: 'agent' },
        tags: [],
      };
      const proxyJump = first(computed.proxyjump);
      if (proxyJump && proxyJump.toLowerCase() !== 'none') {
        const hops = proxyJump.split(',');
        host.jump = hops[hops.length - 1];
        if (hops.length > 1) {
          findings.warnings.push(`${alias}: ProxyJump ${proxyJump} has several hops; vfleet uses ${host.jump} and that host's own jump host`);
        }
      }
      if (first(computed.proxycommand)) {
        findings.warnings.push(`${alias}: ProxyCommand is not supported and was ignored; use ProxyJump`);
      }
      addCandidate(findings, host, `Host ${alias}`, origin);
    }
  }
  return findings;
}

