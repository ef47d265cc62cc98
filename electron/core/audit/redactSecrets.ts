// Audit parameters must never carry a password, passphrase or token, whatever action logged them:
// by key name at any depth, and inside commands (argv words, env values, URLs) by how secrets
// are usually written on a command line.

const SECRET_KEY = /(password|passphrase|secret|token|privatekey|credential)s?$/i;

/** Environment names that hold credentials: PGPASSWORD, MYSQL_PWD, DB_PASS, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, API_KEY. */
const SECRET_ENV_NAME = /PASSW(OR)?D|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|APIKEY|(^|_)(PASS|PWD|KEY)$/i;
/** The shell's own working directories, not passwords despite the name. */
const NOT_SECRET_ENV_NAME = /^(OLD)?PWD$/i;
/** Long options whose value is a secret: --password, --db-password, --api-token, --secret-key. */
const SECRET_OPTION = /^--?[a-z0-9-]*(passw(or)?d|passphrase|secret|token|credential|api-?key|access-?key)[a-z0-9-]*$/i;
/** Clients that take a password glued to -p (mysql -pHunter2, sshpass -pHunter2). */
const GLUED_P_PASSWORD_PROGRAM = /^(mysql[a-z-]*|mariadb[a-z-]*|sshpass)$/;
/** scheme://user:password@host */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi;

/** A shell word, quotes included: MYSQL_PWD='two words' is one word. */
const SHELL_WORD = /(?:[^\s'"]+|'[^']*'|"(?:[^"\\]|\\.)*")+/g;

export const REDACTED = '[redacted]';

function isSecretEnvName(name: string): boolean {
  return SECRET_ENV_NAME.test(name) && !NOT_SECRET_ENV_NAME.test(name);
}

export function redactSecrets(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return value.replace(URL_PASSWORD, `$1:${REDACTED}@`);
  if (Array.isArray(value)) {
    return key === 'argv' && value.every((word) => typeof word === 'string') ? redactCommandWords(value) : value.map((inner) => redactSecrets(inner));
  }
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
    const secret = key === 'env' ? isSecretEnvName(name) : SECRET_KEY.test(name);
    out[name] = secret && inner !== undefined ? REDACTED : redactSecrets(inner, name);
  }
  return out;
}

/**
 * A command's words with secret values replaced. Each argv element is also read as shell words
 * (for `sh -c '...'`). Kept on purpose: `PWD=/root`, and `-p` as a separate word or for other
 * programs (`ssh -p 22`, `mkdir -pv`), which is a port or a flag there, not a password.
 */
function redactCommandWords(argv: readonly string[]): string[] {
  let secretNext = false;
  let gluedPasswordProgram = false;
  return argv.map((element) => element.replace(SHELL_WORD, (word) => {
    const wasSecretNext = secretNext;
    secretNext = false;
    if (wasSecretNext && !word.startsWith('-')) return REDACTED;
    const base = word.replace(/^.*\//, '');
    if (GLUED_P_PASSWORD_PROGRAM.test(base)) gluedPasswordProgram = true;
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(word);
    if (assignment && isSecretEnvName(assignment[1] ?? '')) return `${assignment[1]}=${REDACTED}`;
    const option = /^(-[^=]+)=(.*)$/.exec(word);
    if (option && SECRET_OPTION.test(option[1] ?? '')) return `${option[1]}=${REDACTED}`;
    if (SECRET_OPTION.test(word) && word.startsWith('--')) {
      secretNext = true;
      return word;
    }
    if (gluedPasswordProgram && /^-p.+/.test(word)) return `-p${REDACTED}`;
    return word.replace(URL_PASSWORD, `$1:${REDACTED}@`);
  }));
}
